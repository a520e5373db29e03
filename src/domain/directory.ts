import type { Role } from './roles';

/**
 * The staff directory: who works here, in which department, under whom. Tokens are issued per person from it, and
 * escalations climb the owner's own chain through it. Addresses in it are personal data. Pure, workflow-safe.
 */
export interface StaffMember {
  /** Actor id, as recorded on events (`li.na`). */
  id: string;
  name: string;
  /** The first role is the one the person acts in when several would do. */
  roles: Role[];
  department?: string;
  /** Actor id of this person's supervisor (客服主管) and manager (部门经理), when named. */
  supervisor?: string;
  manager?: string;
  email?: string;
}

export interface Directory {
  staff: StaffMember[];
  /** Extra addresses by role (a shared mailbox), beside those of the people holding the role. */
  roleEmails?: Partial<Record<string, string[]>>;
}

export const memberOf = (d: Directory, id: string): StaffMember | undefined => d.staff.find((s) => s.id === id);

export const holders = (d: Directory, role: string): StaffMember[] => d.staff.filter((s) => (s.roles as string[]).includes(role));

/**
 * The people who hold `role` in `actorId`'s chain: the nearest named superior (supervisor, then manager, climbing) who
 * holds it; else the holders in the actor's department; else every holder, so that an escalation is never lost.
 */
export function chainHolders(d: Directory, role: string, actorId: string): StaffMember[] {
  const start = memberOf(d, actorId);
  const seen = new Set<string>();
  const queue = start ? [start.supervisor, start.manager] : [];
  while (queue.length) {
    const id = queue.shift();
    if (!id || seen.has(id)) continue;
    seen.add(id);
    const m = memberOf(d, id);
    if (!m) continue;
    if ((m.roles as string[]).includes(role)) return [m];
    queue.push(m.supervisor, m.manager);
  }
  const all = holders(d, role);
  const department = start?.department;
  const inDepartment = department ? all.filter((m) => m.department === department) : [];
  return inDepartment.length ? inDepartment : all;
}


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


/** How a person is shown: `陈静` for a member of the directory with that name, else the id itself. */
export const displayName = (d: Directory, id: string): string => memberOf(d, id)?.name ?? id;

/** What a person named a field with, resolved: the member's id, or why it names no one (the rule of a 400). */
export type StaffResolution = { id: string } | { rule: string };

const ID_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Edit distance of two short strings (by code point, so that Chinese names compare character by character). */
function distance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length]!;
}

const described = (m: StaffMember): string => `${m.name} (${m.id}${m.department ? `, ${m.department}` : ''})`;

/** Up to three members whose name or id is close to `text`: containing it, contained in it, or a few edits away. */
export function closeMatches(d: Directory, text: string): StaffMember[] {
  const t = text.toLowerCase();
  const scored = d.staff
    .map((m) => {
      const keys = [m.name.toLowerCase(), m.id.toLowerCase()];
      const contains = keys.some((k) => k.includes(t) || t.includes(k));
      const best = Math.min(...keys.map((k) => distance(k, t)));
      return { m, score: contains ? 0 : best, near: contains || best <= Math.max(1, Math.floor([...t].length / 2)) };
    })
    .filter((s) => s.near);
  return scored.sort((a, b) => a.score - b.score || a.m.id.localeCompare(b.m.id)).slice(0, 3).map((s) => s.m);
}

/**
 * The person a command names, by id or by display name (`chen.jing` or `陈静`): a directory id as it is; a display name
 * held by one member as that member's id; a name two members share is refused with both named. Text that names no
 * member is refused with the close matches — except a well-formed id, which stays as typed (people outside the
 * directory act with ids of their own, and an empty directory knows no one).
 */
export function resolveStaff(d: Directory, text: string): StaffResolution {
  const typed = text.trim();
  if (memberOf(d, typed)) return { id: typed };
  const named = d.staff.filter((m) => m.name === typed);
  if (named.length === 1) return { id: named[0]!.id };
  if (named.length > 1) return { rule: `names ${named.length} people (${named.map(described).join(', ')}): give the id of the one you mean` };
  if (ID_RULE.test(typed)) return { id: typed };
  const close = closeMatches(d, typed);
  return {
    rule: close.length
      ? `names nobody in the staff directory (by id or name); close matches: ${close.map(described).join(', ')}`
      : 'names nobody in the staff directory: give a person\'s id (li.na) or display name (李娜)',
  };
}

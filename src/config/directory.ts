import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Directory } from '../domain/directory';
import { actorId, oneOf } from '../domain/fields';
import { ROLES } from '../domain/roles';
import { ConfigError } from './config';
import { ROOT } from './tools';

/** The demo staff directory of the embedded stack (a small service desk in two teams), used when none is configured. */
export const DEMO_DIRECTORY_FILE = path.join(ROOT, 'policies', 'demo-directory.json');


const staffMember = z
  .object({
    id: actorId,
    name: z.string().trim().min(1).max(100),
    roles: z.array(oneOf(ROLES)).min(1, 'must name at least one role'),
    department: z.string().trim().min(1).max(100).optional(),
    supervisor: actorId.optional(),
    manager: actorId.optional(),
    email: z.email().optional(),
  })
  .strict();

const directorySchema = z
  .object({
    staff: z.array(staffMember).default(() => []),
    /** Shared mailboxes by role, beside the people holding the role. */
    roles: z.record(z.string(), z.object({ email: z.array(z.email()) }).strict()).optional(),
    /** Addresses of people outside `staff` (the format before the staff list). */
    actors: z.record(z.string(), z.object({ email: z.email() }).strict()).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    const ids = new Set<string>();
    d.staff.forEach((m, i) => {
      if (ids.has(m.id)) ctx.addIssue({ code: 'custom', path: ['staff', i, 'id'], message: `${m.id} is listed twice` });
      ids.add(m.id);
    });
    d.staff.forEach((m, i) => {
      for (const k of ['supervisor', 'manager'] as const) if (m[k] && !d.staff.some((x) => x.id === m[k])) ctx.addIssue({ code: 'custom', path: ['staff', i, k], message: `names ${m[k]}, who is not in staff` });
    });
  });

/** Parses a directory document (TAIZHANG_DIRECTORY_FILE); errors name the field. */
export function parseDirectory(json: unknown, source = 'TAIZHANG_DIRECTORY_FILE'): Directory {
  const r = directorySchema.safeParse(json);
  if (!r.success) throw new ConfigError(source, `[${r.error.issues[0]!.path.join('.')}] ${r.error.issues[0]!.message}`);
  const d = r.data;
  const others = Object.entries(d.actors ?? {})
    .filter(([id]) => !d.staff.some((m) => m.id === id))
    .map(([id, a]) => ({ id, name: id, roles: [], email: a.email }));
  return { staff: [...d.staff, ...others], roleEmails: Object.fromEntries(Object.entries(d.roles ?? {}).map(([role, r2]) => [role, r2.email])) };
}

export function loadDirectory(file: string | undefined): Directory {
  if (!file) return { staff: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path.resolve(file), 'utf8'));
  } catch (err) {
    throw new ConfigError('TAIZHANG_DIRECTORY_FILE', `cannot be read as JSON (${(err as Error).message})`);
  }
  return parseDirectory(json);
}

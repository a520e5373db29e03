import { z } from 'zod';
import { validationError, type FieldIssue } from '../errors';
import { resolveStaff, type Directory } from '../directory';

/**
 * Node side. Command fields that name a member of staff (owner, handler, implementer, …): marked where a process's
 * schemas declare them, and resolved from an id or a display name to the id before the input is parsed, so that the
 * recorded event always holds the stable id.
 */
export const staffRegistry = z.registry<{ staff: true }>();

/** Marks a schema as naming a member of staff (see resolveStaffFields). */
export function staffRef<S extends z.ZodType>(schema: S): S {
  staffRegistry.add(schema, { staff: true });
  return schema;
}

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType };

/** The paths of the staff fields of an object schema (nested objects too; `[]` marks each element of an array). */
export function staffFields(schema: z.ZodType, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  const visit = (s: z.ZodType, at: string[]) => {
    if (staffRegistry.get(s)) {
      out.push(at);
      return;
    }
    const def = (s as unknown as { _zod: { def: Def } })._zod.def;
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'readonly') {
      if (def.innerType) visit(def.innerType, at);
    } else if (def.type === 'object' && def.shape) {
      for (const [k, v] of Object.entries(def.shape)) visit(v, [...at, k]);
    } else if (def.type === 'array' && def.element) visit(def.element, [...at, '[]']);
  };
  visit(schema, prefix);
  return out;
}

/**
 * The input with every staff field resolved to the id of the person it names (by id or display name). A field that
 * names nobody, or a name several people share, is a validation error naming the field, with the close matches or
 * the candidates; all such fields are reported together. Anything not a string is left for the schema to judge.
 */
export function resolveStaffFields<T>(d: Directory | undefined, schema: z.ZodType, input: T): T {
  if (!d || d.staff.length === 0 || input === null || typeof input !== 'object') return input;
  const issues: FieldIssue[] = [];
  const out = structuredClone(input) as unknown;
  const walk = (node: unknown, path: readonly string[], shown: string) => {
    if (node === null || typeof node !== 'object') return;
    const [head, ...rest] = path;
    if (head === undefined) return;
    if (head === '[]') {
      if (Array.isArray(node)) node.forEach((_, i) => (rest.length ? walk(node[i], rest, `${shown}[${i}]`) : resolveAt(node as unknown[], i, `${shown}[${i}]`)));
      return;
    }
    const rec = node as Record<string, unknown>;
    const field = shown ? `${shown}.${head}` : head;
    if (rest.length) walk(rec[head], rest, field);
    else resolveAt(rec, head, field);
  };
  const resolveAt = (holder: Record<string, unknown> | unknown[], key: string | number, field: string) => {
    const v = (holder as Record<string | number, unknown>)[key];
    if (typeof v !== 'string' || v.trim() === '') return;
    const r = resolveStaff(d, v);
    if ('id' in r) (holder as Record<string | number, unknown>)[key] = r.id;
    else issues.push({ field, rule: r.rule });
  };
  for (const path of staffFields(schema)) walk(out, path, '');
  if (issues.length) throw validationError(issues);
  return out as T;
}

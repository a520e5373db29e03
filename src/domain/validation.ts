import type { z } from 'zod';
import { validationError, type DomainError, type FieldIssue } from './errors';

/** The value at a path of the input, or undefined when any step of it is absent. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * Flattens zod issues into `{ field, rule }` pairs. Never echoes the input value (it may be personal data). Given the
 * input, a field that is absent from it reads "is required", whatever the field's own rule for a wrong value says.
 */
export function fieldIssues(error: z.ZodError, input?: unknown): FieldIssue[] {
  const seen = new Set<string>();
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    const field = issue.path.length ? issue.path.map(String).join('.') : '(body)';
    let found: FieldIssue;
    if (issue.code === 'unrecognized_keys') found = { field: issue.keys.join(', '), rule: 'is not a known field' };
    else if (input !== undefined && issue.path.length && (issue.code === 'invalid_type' || issue.code === 'invalid_value') && valueAt(input, issue.path) === undefined)
      found = { field, rule: 'is required' };
    else found = { field, rule: issue.message };
    // One issue per field and rule: a union's branches can report the same thing twice.
    const key = `${found.field}\u0000${found.rule}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(found);
  }
  return out;
}

/** Parses with the schema or throws a validation DomainError naming each field and rule. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw validationError(fieldIssues(r.error, input));
  return r.data;
}

export function validationFrom(error: z.ZodError, input?: unknown): DomainError {
  return validationError(fieldIssues(error, input));
}

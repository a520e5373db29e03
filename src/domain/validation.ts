import type { z } from 'zod';
import { validationError, type DomainError, type FieldIssue } from './errors';

/** Flattens zod issues into `{ field, rule }` pairs. Never echoes the input value (it may be personal data). */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : '(body)';
    if (issue.code === 'unrecognized_keys') return { field: issue.keys.join(', '), rule: 'is not a known field' };
    return { field, rule: issue.message };
  });
}

/** Parses with the schema or throws a validation DomainError naming each field and rule. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw validationError(fieldIssues(r.error));
  return r.data;
}

export function validationFrom(error: z.ZodError): DomainError {
  return validationError(fieldIssues(error));
}

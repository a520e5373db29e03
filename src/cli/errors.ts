import type { Command } from 'commander';
import type { ApiError } from './client';

/** The attribute a field path of the API names, as commander names the option for it: `compensation.amountYuan` → `compensationAmountYuan`. */
export function attributeOf(field: string): string {
  const parts = field.split(/[.\-_]/).filter(Boolean);
  return parts.map((p, i) => (i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p.charAt(0).toUpperCase() + p.slice(1))).join('');
}

/** The option of the command as a person types it (`--compensation-amount-yuan`) for a field the API names, else the field. */
export function flagFor(command: Pick<Command, 'options'> | undefined, field: string): string {
  const attribute = attributeOf(field);
  const option = command?.options.find((o) => o.attributeName() === attribute);
  return option?.long ?? field;
}

/**
 * An API error as the lines a person reads, once: each field the API names as the command's option, with its rule.
 * What the API's message says besides its issues comes first (`bad.csv: nothing imported`); the issues it repeats
 * (`asOf: must be …`) are not printed a second time. The HTTP status and error kind close the
 * first line.
 */
export function apiErrorLines(err: Pick<ApiError, 'status' | 'body' | 'message'>, command?: Pick<Command, 'options'>): string[] {
  const kind = `(HTTP ${err.status}${err.body?.error ? ` ${err.body.error}` : ''})`;
  const issues = err.body?.issues ?? [];
  if (issues.length === 0) return [`error: ${err.message} ${kind}`];
  const named = issues.map((i) => `${flagFor(command, i.field)}: ${i.rule}`);
  // What the message says besides the issues it repeats (`bad.csv: nothing imported; line 3: …` → `bad.csv: nothing imported`).
  const lead = issues
    .reduce((m, i) => m.replace(`${i.field}: ${i.rule}`, ''), err.message)
    .replace(/(?:\s*;\s*)+/g, '; ')
    .replace(/^[\s;:]+|[\s;:]+$/g, '');
  if (lead) return [`error: ${lead} ${kind}`, ...named.map((n) => `  ${n}`)];
  if (named.length === 1) return [`error: ${named[0]} ${kind}`];
  return [`error: ${named.length} problems with the input ${kind}:`, ...named.map((n) => `  ${n}`)];
}

/** Output cut short by its reader (`… | head`) ends the CLI quietly, with success: nothing more is wanted. */
export function quietOnEpipe(stream: NodeJS.WritableStream, exit: (code: number) => void = (code) => process.exit(code)): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') exit(0);
    else throw err;
  });
}

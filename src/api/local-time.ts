import { z } from 'zod';
import type { LedgerRow, LedgerShape } from '../domain/ledger';
import { LOCAL_INSTANT_RULE, parseLocalInstant, zonedIso } from '../support/local-time';

/**
 * Instants at the API's edge: what a person types is read in the configured zone, and what the API shows a person is
 * given in that zone with its offset. Stored events keep UTC; responses are converted here, after the read models.
 */

/**
 * An instant in a query string or body: a date (the start of that day in the zone), a local date-time without offset
 * (`2026-12-02 10:54`, `2026-12-02T10:54`, read in the zone) or an ISO 8601 instant with offset. A query string's
 * unencoded `+` before the offset arrives as a space and is read as `+`. Parsed to ISO 8601 with offset.
 */
export const localInstant = (timeZone: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : LOCAL_INSTANT_RULE) })
    .transform((text, ctx) => {
      const iso = parseLocalInstant(text, timeZone);
      if (iso === undefined) {
        ctx.addIssue({ code: 'custom', message: LOCAL_INSTANT_RULE });
        return z.NEVER;
      }
      return iso;
    })
    .describe(`an instant: ${LOCAL_INSTANT_RULE.replace(/^must be /, '')}`);

/** ISO 8601 instants as events and read models carry them (UTC `Z` or an offset, seconds optional). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export const isIsoInstant = (v: unknown): v is string => typeof v === 'string' && ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v));

/** Every ISO 8601 instant in a value (at any depth) in the zone with its offset; everything else as it was. */
export function zonedDeep<T>(value: T, timeZone: string): T {
  if (isIsoInstant(value)) return zonedIso(value, timeZone) as T;
  if (Array.isArray(value)) return value.map((v) => zonedDeep(v, timeZone)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, zonedDeep(v, timeZone)])) as T;
  return value;
}

/** A ledger row with its instant columns in the zone with their offset. */
export function zonedRow(ledger: LedgerShape, row: LedgerRow, timeZone: string): LedgerRow {
  const out: LedgerRow = { ...row };
  for (const c of ledger.columns) {
    const v = out[c.name];
    if (c.instant && isIsoInstant(v)) out[c.name] = zonedIso(v, timeZone);
  }
  return out;
}

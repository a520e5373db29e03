import { z } from 'zod';
import { pii } from './pii';

/** Field rules shared by every process; messages state the rule so a 400 can name it. */

// Type errors read as rules: a missing field "is required", a wrong type "must be a string".
z.config({
  customError: (issue) => {
    if (issue.code !== 'invalid_type') return undefined;
    if (issue.input === undefined) return 'is required';
    return `must be ${issue.expected === 'object' || issue.expected === 'array' ? 'an' : 'a'} ${issue.expected}`;
  },
});

export const entityId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, "_" or "-", starting with a letter or digit');

/** A person acting (`li.na`, `agent-1`): the ids of the staff directory, recorded on events as actor and owner. */
export const actorId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Mainland mobile (11 digits starting 1[3-9], optional +86) or landline with area code (0xx-xxxxxxxx, optional extension). */
export const PHONE_RULE = 'must be a mainland China mobile number (11 digits starting with 13–19, optional +86) or a landline with area code such as 010-12345678';
export const phone = pii(
  'phone',
  z
    .string()
    // Surrounding spaces are allowed and trimmed, so the pattern a client reads is the rule the server applies.
    .regex(/^\s*(?:(?:\+?86[- ]?)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)\s*$/, PHONE_RULE)
    .trim(),
);

export const email = pii(
  'email',
  z
    .email({ message: 'must be an email address such as name@example.com' })
    .max(254, 'must be at most 254 characters')
    .refine((v) => v.indexOf('@') <= 64, { message: 'must have at most 64 characters before the @' }),
);

/**
 * Text that must say something: at most `max` characters, not blank, stored trimmed. The rules are checked on what was
 * sent (so the schema a client reads, `maxLength` and `pattern: \S`, is exactly what the server enforces).
 */
export const shortText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(/\S/, 'must not be blank')
    .trim();

export const personName = pii('person_name', shortText(100));

export const address = pii('address', shortText(300));

export const reason = shortText(1000);

/** A whole number in a query string: digits only (an empty `?offset=` is an error, not 0), within bounds. */
export const queryInteger = (min: number, max: number) =>
  z.preprocess((v) => (v === '' ? Number.NaN : v), z.coerce.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** One of a fixed list, with a message that lists them (and "is required" when the field is absent). */
export const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => (issue.input === undefined ? 'is required' : `must be one of ${values.join(', ')}`) });

/** ISO 8601 instant with offset, as carried in events and commands. */
export const isoInstant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with offset, e.g. 2026-09-30T17:30:00+08:00' });

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

/** Mainland mobile (11 digits starting 1[3-9], optional +86) or landline with area code (0xx-xxxxxxxx, optional extension). */
export const PHONE_RULE = 'must be a mainland China mobile number (11 digits starting with 13–19, optional +86) or a landline with area code such as 010-12345678';
export const phone = pii(
  'phone',
  z
    .string()
    .trim()
    .regex(/^(?:(?:\+?86[- ]?)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$/, PHONE_RULE),
);

export const email = pii('email', z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email({ message: 'must be an email address such as name@example.com' })));

export const personName = pii('person_name', z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'));

export const address = pii('address', z.string().trim().min(1, 'must not be empty').max(300, 'must be at most 300 characters'));

export const shortText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const reason = z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters');

/** ISO 8601 instant with offset, as carried in events and commands. */
export const isoInstant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with offset, e.g. 2026-09-30T17:30:00+08:00' });

import { z } from 'zod';

/**
 * Personal data (PIPL): names of people, phones, emails, addresses. Marked once in the schemas so
 * that logs redact it, exports and API views mask it by role, and (later) per-customer encryption
 * can shred it while the event chain stays verifiable.
 */
export type PiiKind = 'person_name' | 'phone' | 'email' | 'address';

export const piiRegistry = z.registry<{ pii: PiiKind }>();

export function pii<S extends z.ZodType>(kind: PiiKind, schema: S): S {
  piiRegistry.add(schema, { pii: kind });
  return schema;
}

/** Finds the personal-data fields of an object schema (top level and nested objects), as dotted paths. */
export function piiFields(schema: z.ZodType, prefix = ''): Array<{ path: string; kind: PiiKind }> {
  const out: Array<{ path: string; kind: PiiKind }> = [];
  const visit = (s: z.ZodType, at: string) => {
    const mark = piiRegistry.get(s);
    if (mark) {
      out.push({ path: at, kind: mark.pii });
      return;
    }
    const def = (s as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType> } } })._zod.def;
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'readonly') {
      if (def.innerType) visit(def.innerType, at);
    } else if (def.type === 'object' && def.shape) {
      for (const [k, v] of Object.entries(def.shape)) visit(v, at ? `${at}.${k}` : k);
    }
  };
  visit(schema, prefix);
  return out;
}

/**
 * 个人 or 单位: whose record a customer is. Only a natural person's name is personal data (PIPL); an organisation's name is
 * what staff work with, so it is not masked.
 */
export const PARTIES = ['person', 'organisation'] as const;
export type Party = (typeof PARTIES)[number];

/**
 * A customer's party: the one registered, else a person for an 业主 (owner, the people who buy the homes) and an
 * organisation for anyone else. Once a person, always a person: a later change of type never unmasks a name.
 */
export function effectiveParty(registered: string | null | undefined, type: string | null | undefined, before?: string | null): Party {
  if (before === 'person' || registered === 'person') return 'person';
  if (registered === 'organisation') return 'organisation';
  return type === 'owner' ? 'person' : 'organisation';
}

/** Masks a personal value for roles that may not see it: keeps enough to recognise, hides the rest. An erased value stays as it reads. */
export function maskPii(kind: PiiKind, value: string): string {
  if (value === ERASED) return value;
  switch (kind) {
    case 'phone': {
      let digits = value.replace(/\D/g, '');
      if (digits.length === 13 && digits.startsWith('86')) digits = digits.slice(2); // +86 country code
      if (digits.length < 7) return '*'.repeat(value.length);
      return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
    }
    case 'email': {
      const at = value.indexOf('@');
      if (at < 1) return '***';
      return `${value[0]}***${value.slice(at)}`;
    }
    case 'person_name':
      return value.length <= 1 ? '*' : `${[...value][0]}${'*'.repeat(Math.min([...value].length - 1, 3))}`;
    case 'address':
      return `${[...value].slice(0, 6).join('')}****`;
  }
}

// ── free text ─────────────────────────────────────────────────────────────────────────────
// Summaries, notes, comments and reasons are typed by people and often hold a caller's number or e-mail address. For the
// roles that see personal fields masked, what looks like personal data inside free text is masked the same way.

/** 18-digit resident ID-card numbers (17 digits and a digit or X), not part of a longer run of digits or letters. */
const ID_CARD = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
/** Mainland mobile numbers, with an optional +86 / 86 and spaces or hyphens between digits. */
const MOBILE = /(?<![\d+])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** An ID-card number keeps its first 3 and last 4 characters. */
const maskIdCard = (id: string) => `${id.slice(0, 3)}${'*'.repeat(11)}${id.slice(-4)}`;

/** Free text with the mobile numbers, ID-card numbers and e-mail addresses in it masked as fields are. */
export function maskFreeText(text: string): string {
  return text
    .replace(ID_CARD, maskIdCard)
    .replace(MOBILE, (m) => maskPii('phone', m))
    .replace(EMAIL, (m) => maskPii('email', m));
}

/** Whether a text holds something that free-text masking would hide (a mobile number, an ID-card number, an e-mail address). */
export function holdsPersonalData(text: string): boolean {
  return maskFreeText(text) !== text;
}

/** What an erased customer's personal fields read as once their data key is destroyed (crypto-shredding). */
export const ERASED = '[已删除]';

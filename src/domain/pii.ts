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

/** Masks a personal value for roles that may not see it: keeps enough to recognise, hides the rest. */
export function maskPii(kind: PiiKind, value: string): string {
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

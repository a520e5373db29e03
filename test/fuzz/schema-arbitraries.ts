import fc from 'fast-check';

/**
 * fast-check arbitraries derived from an OpenAPI 3 document: the operations it declares and, for each JSON schema in
 * it, values that follow the schema ("valid-ish": they keep to types, enums, patterns and lengths, though rules the
 * schema cannot express may still reject them) and values that plainly break it.
 */

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

interface ParameterObject {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

interface OperationObject {
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface Param {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** The OpenAPI path template, e.g. `/complaints/{id}/verify` or `/audit/history/{*}`. */
  path: string;
  pathParams: Param[];
  queryParams: Param[];
  headerParams: Param[];
  body?: { required: boolean; contentTypes: string[]; schema: JsonSchema };
  /** False when the operation declares `security: []` (public). */
  secured: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Follows a local `$ref` (`#/components/schemas/X`); other schemas are returned as they are. */
export function deref(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 20; i++) {
    const name = s.$ref.replace(/^#\/components\/schemas\//, '');
    s = doc.components?.schemas?.[name] ?? {};
  }
  return s;
}

/** Every operation of the document, with its parameters and body schema resolved. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const params = (where: ParameterObject['in']) =>
        (op.parameters ?? []).filter((p) => p.in === where).map((p) => ({ name: p.name, required: Boolean(p.required), schema: deref(doc, p.schema) }));
      const content = op.requestBody?.content ?? {};
      const first = Object.values(content)[0];
      out.push({
        method: method.toUpperCase(),
        path,
        pathParams: params('path'),
        queryParams: params('query'),
        headerParams: params('header'),
        body: op.requestBody ? { required: Boolean(op.requestBody.required), contentTypes: Object.keys(content), schema: deref(doc, first?.schema) } : undefined,
        secured: !(Array.isArray(op.security) && op.security.length === 0),
      });
    }
  }
  return out;
}

/** A piece of JSON text spliced verbatim into a body (numbers JSON.stringify cannot write, such as `1e999`). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify that writes RawJson verbatim and keeps own `__proto__` keys. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : toJsonText(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts: string[] = [];
    for (const k of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      parts.push(`${JSON.stringify(k)}:${toJsonText(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const define = (o: Record<string, unknown>, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });

/** A copy of the object with one more own property of any name, `__proto__` included. */
export function withKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) define(out, k, obj[k]);
  define(out, key, value);
  return out;
}

export function withoutKey(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) if (k !== key) define(out, k, obj[k]);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Junk

/** Strings that have broken parsers, routers, databases and log formatters before. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '   ',
  '\t\n\r',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  'true',
  '[]',
  '{}',
  '{"a":',
  '..',
  '.',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%',
  '%%',
  '%00',
  '%E0%A4%A',
  '%uD800',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\ufeff',
  '\u202e\u202dgnp.exe',
  '\u200b',
  'ÿþ',
  '🙂',
  '👨‍👩‍👧‍👦',
  '𠜎𠜱𠝹',
  '上海某物业公司',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  '<script>alert(1)</script>',
  "' OR '1'='1' --",
  '"; DROP TABLE events; --',
  '${jndi:ldap://example.invalid/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '$all',
  '$ce-complaint',
  'customer-',
  'complaint-',
  'C1',
  'K-none',
  '-leading-dash',
  '_leading_underscore',
  'a'.repeat(64),
  'a'.repeat(65),
  '1'.repeat(300),
  '2026-09-30T17:30:00+08:00',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '13800138000',
  '\\',
  '/',
  '?',
  '#',
  '&',
  '=',
  '+',
  ';',
  ',',
  '*',
];

/** A long string of one kind of character (ASCII, CJK, astral emoji, combining marks, NUL, spaces, slashes). */
export const longString = (min: number, max: number): fc.Arbitrary<string> =>
  fc.tuple(fc.integer({ min, max }), fc.constantFrom('x', '中', '🙂', 'e\u0301', '\u0000', ' ', 'ab/')).map(([n, c]) => c.repeat(Math.ceil(n / c.length)).slice(0, n));

export const junkString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: longString(65, 5000) },
  { weight: 1, arbitrary: longString(5000, 70_000) },
);

/** Numbers that sit on or just past some limit, or that JSON cannot say plainly. */
export const junkNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, -0.0001, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, 1e21),
  fc.constantFrom('1e999', '-1e999', '1e-999', '5.0', '1E2', '-0.0', '123456789012345678901234567890', '0.1e1').map((t) => new RawJson(t)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Arbitrary JSON: nested arrays and objects of junk. */
export const junkJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    junkNumber,
    junkString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(junkString, fc.constantFrom('name', 'customerId', 'reason', '__proto__', 'constructor')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A value of some JSON type other than `type` (the type a schema asks for). */
export const wrongType = (type: string | undefined): fc.Arbitrary<unknown> => {
  const pool: Array<[string, fc.Arbitrary<unknown>]> = [
    ['null', fc.constant(null)],
    ['boolean', fc.boolean()],
    ['number', junkNumber.filter((n) => typeof n === 'number')],
    ['string', junkString],
    ['array', fc.array(junkJson, { maxLength: 3 })],
    ['object', fc.dictionary(junkString, junkJson, { maxKeys: 3 })],
  ];
  const others = pool.filter(([t]) => t !== type && !(type === 'integer' && t === 'number')).map(([, a]) => a);
  // An integer field also gets fractions; a number field gets numbers as text.
  if (type === 'integer') others.push(fc.constantFrom(1.5, 0.1, -2.5, 3.000001));
  if (type === 'number' || type === 'integer') others.push(fc.constantFrom('1', '3', '1e3', ' 2 '));
  return fc.oneof(...others);
};

// ---------------------------------------------------------------------------------------------------------------
// Instants

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** Formats an instant as ISO 8601 with the given offset, e.g. `2026-09-30T17:30:00+08:00`. */
export function isoWithOffset(ms: number, offsetMinutes: number, fraction: boolean): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  const off = offsetMinutes === 0 && !fraction ? 'Z' : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction ? `.${pad(d.getUTCMilliseconds(), 3)}` : ''}${off}`;
}

// The first and last instants whose local date keeps four digits under any offset from -12:00 to +14:00.
const MIN_INSTANT = new Date('0000-01-01T14:00:00Z').getTime();
const MAX_INSTANT = new Date('9999-12-31T09:59:59Z').getTime();

/** Valid ISO instants: mostly near now, some around holidays, some at the ends of the four-digit years. */
export const isoInstant: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: Date.now() - 2 * 365 * 86_400_000, max: Date.now() + 2 * 365 * 86_400_000 }) },
      {
        weight: 2,
        arbitrary: fc
          .constantFrom('2026-01-01T00:00:00Z', '2026-02-16T09:00:00+08:00', '2026-10-01T00:00:00+08:00', '2026-09-30T17:59:59+08:00', '2004-01-01T00:00:00Z', '2030-12-31T23:59:59Z')
          .map((s) => Date.parse(s)),
      },
      { weight: 2, arbitrary: fc.integer({ min: MIN_INSTANT, max: MAX_INSTANT }) },
      { weight: 1, arbitrary: fc.constantFrom(MIN_INSTANT, MAX_INSTANT, 0, -1, Date.parse('1900-01-01T00:00:00Z'), Date.parse('2100-02-28T23:59:59Z')) },
    ),
    fc.constantFrom(0, 0, 480, 480, -300, 840, -720, 345, 59),
    fc.boolean(),
  )
  .map(([ms, off, frac]) => isoWithOffset(ms, off, frac));

export const badInstant: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '2026-09-30 17:30:00+08:00',
    '2026-09-30T17:30:00',
    '2026-09-30',
    '2026-13-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-09-31T00:00:00Z',
    '2026-09-30T24:00:00Z',
    '2026-09-30T17:60:00Z',
    '2026-09-30T17:30:00+24:00',
    '+275760-09-13T00:00:00.000Z',
    '-000001-01-01T00:00:00Z',
    '10000-01-01T00:00:00Z',
    'now',
    'yesterday',
    '1790000000000',
    'T',
    '2026-09-30T17:30:00Z/2026-09-30T18:00:00Z',
  ),
  junkString,
);

// ---------------------------------------------------------------------------------------------------------------
// From a schema

/** Per property or parameter name, a generator of plausible values that the schema alone cannot describe well. */
export type Hints = Record<string, fc.Arbitrary<unknown> | undefined>;

const typeOf = (s: JsonSchema): string | undefined => (Array.isArray(s.type) ? s.type[0] : s.type);

const stringOf = (s: JsonSchema): fc.Arbitrary<string> => {
  if (s.format === 'date-time') return isoInstant;
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 500;
  if (s.pattern) {
    const re = new RegExp(s.pattern);
    return fc.stringMatching(re).filter((v) => v.length >= min && v.length <= max);
  }
  const cap = Math.min(max, Math.max(min, 40));
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength: min, maxLength: cap, unit: 'grapheme-composite' }).filter((v) => v.length <= max && v.length >= min) },
    { weight: 2, arbitrary: fc.string({ minLength: min, maxLength: cap }) },
    { weight: 1, arbitrary: fc.constantFrom('中'.repeat(max), 'x'.repeat(max), 'x'.repeat(Math.max(min, 1))).filter((v) => v.length <= max && v.length >= min) },
  );
};

/** Values that follow the schema (types, enums, patterns, lengths, ranges, required properties). */
export function validOf(schema: JsonSchema, hints: Hints = {}, name?: string): fc.Arbitrary<unknown> {
  const hint = name !== undefined ? hints[name] : undefined;
  if (hint) return hint;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => validOf(a, hints, name)));
  if (schema.allOf?.length) return validOf(Object.assign({}, ...schema.allOf) as JsonSchema, hints, name);
  switch (typeOf(schema) ?? (schema.properties ? 'object' : undefined)) {
    case 'string':
      return stringOf(schema);
    case 'integer': {
      const min = Math.max(schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000_000), Number.MIN_SAFE_INTEGER);
      const max = Math.min(schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1_000_000), Number.MAX_SAFE_INTEGER);
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
    }
    case 'number': {
      const min = schema.minimum ?? -1e9;
      const max = schema.maximum ?? 1e9;
      return fc.oneof(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), fc.constantFrom(min, max), fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, 1e6)) }));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validOf(schema.items ?? {}, hints), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 5) });
    case 'object': {
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = validOf(v, hints, k);
      return fc.record(model, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
    }
    default:
      return junkJson;
  }
}

/** Keys an object schema does not declare. */
const extraKeys = fc.oneof(
  fc.constantFrom('extra', 'id', 'role', 'actor', 'admin', 'isAdmin', '__proto__', 'constructor', 'prototype', '', ' ', 'Name', 'name ', 'customerid', 'metadata', 'data', '$where', 'a.b', '🙂'),
  fc.string({ minLength: 1, maxLength: 20 }),
);

export interface Broken {
  value: unknown;
  /** True when the break is certain whatever the validator forgives (a wrong JSON type, a missing required or an undeclared property, a value outside an enum). */
  definite: boolean;
  how: string;
}

/**
 * Values that break the schema, each tagged with whether the break is certain or only likely (lengths and patterns
 * that a trimming or coercing validator may forgive).
 */
export function invalidOf(schema: JsonSchema, hints: Hints = {}): fc.Arbitrary<Broken> {
  const type = typeOf(schema) ?? (schema.properties ? 'object' : schema.enum ? 'string' : undefined);
  const definite = (how: string) => (value: unknown): Broken => ({ value, definite: true, how });
  const likely = (how: string) => (value: unknown): Broken => ({ value, definite: false, how });
  const arbs: Array<fc.Arbitrary<Broken>> = [];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const types = new Set(alternatives.map(typeOf));
    arbs.push(wrongType(types.size === 1 ? [...types][0] : undefined).map(likely('wrong type for a union')));
    for (const a of alternatives) arbs.push(invalidOf(a, hints).map((r) => ({ ...r, definite: false })));
    return fc.oneof(...arbs);
  }
  if (type !== undefined) arbs.push(wrongType(type).map(definite(`not a ${type}`)));
  if (schema.enum) {
    const values = schema.enum.map(String);
    arbs.push(
      fc
        .oneof(fc.constantFrom(...values.flatMap((v) => [v.toUpperCase(), `${v}x`, v.slice(1), `${v}\u0000`, `${v}\u200b`])), junkString)
        .filter((v) => !values.includes(v))
        .map(definite('not one of the enum')),
    );
    // Surrounding spaces may be trimmed by a lenient validator.
    arbs.push(fc.constantFrom(...values.map((v) => ` ${v} `)).map(likely('enum with spaces')));
  }
  if (type === 'string' && !schema.enum) {
    const max = schema.maxLength;
    const min = schema.minLength ?? 0;
    if (max !== undefined) arbs.push(longString(max + 1, Math.max(max + 1, Math.min(max * 3, 100_000))).map(likely(`longer than ${max}`)));
    if (min > 0) arbs.push(fc.constantFrom('', ' '.repeat(min), '\t').map(likely(`shorter than ${min} or blank`)));
    if (schema.format === 'date-time') arbs.push(badInstant.map(likely('not an ISO instant')));
    else if (schema.pattern) {
      const re = new RegExp(schema.pattern);
      const valid = validOf(schema, hints) as fc.Arbitrary<string>;
      arbs.push(
        fc
          .oneof(
            junkString,
            fc.tuple(valid, fc.constantFrom(' ', '/', '\u0000', '中', '🙂', '%', '\n', '.')).map(([v, c]) => `${v}${c}`),
            fc.tuple(valid, fc.constantFrom(' ', '-', '_', '+', '\u200b')).map(([v, c]) => `${c}${v}`),
          )
          .filter((v) => !re.test(v))
          .map(likely('does not match the pattern')),
      );
    }
  }
  if (type === 'integer' || type === 'number') {
    const { minimum: min, maximum: max } = schema;
    if (min !== undefined) arbs.push(fc.constantFrom(min - 1, min - 0.5, min - 1e-9, -1e308).map(likely(`below ${min}`)));
    if (max !== undefined) arbs.push(fc.constantFrom(max + 1, max + 0.5, 1e308, 2 ** 53 + 2).map(likely(`above ${max}`)));
    arbs.push(fc.constantFrom('1e999', '-1e999').map((t): Broken => ({ value: new RawJson(t), definite: false, how: 'overflowing number' })));
  }
  if (type === 'array') {
    if (schema.maxItems !== undefined)
      arbs.push(fc.array(validOf(schema.items ?? {}, hints), { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 30 }).map(definite(`more than ${schema.maxItems} items`)));
    if (schema.items)
      arbs.push(
        fc.tuple(fc.array(validOf(schema.items, hints), { maxLength: 3 }), invalidOf(schema.items, hints), fc.nat()).map(([ok, bad, at]): Broken => {
          const out = [...ok];
          out.splice(at % (ok.length + 1), 0, bad.value);
          return { value: out, definite: bad.definite, how: `item ${bad.how}` };
        }),
      );
  }
  if (type === 'object') {
    const props = schema.properties ?? {};
    const required = schema.required ?? [];
    const whole = validOf(schema, hints) as fc.Arbitrary<Record<string, unknown>>;
    if (required.length) arbs.push(fc.tuple(whole, fc.constantFrom(...required)).map(([o, k]): Broken => ({ value: withoutKey(o, k), definite: true, how: `missing ${k}` })));
    if (schema.additionalProperties === false)
      arbs.push(
        fc
          .tuple(whole, extraKeys.filter((k) => !(k in props)), junkJson)
          .map(([o, k, v]): Broken => ({ value: withKey(o, k, v), definite: true, how: `undeclared property ${JSON.stringify(k).slice(0, 40)}` })),
      );
    const names = Object.keys(props);
    if (names.length) {
      arbs.push(
        fc
          .constantFrom(...names)
          .chain((k) => fc.tuple(fc.constant(k), whole, invalidOf(props[k]!, hints)))
          .map(([k, o, bad]): Broken => ({ value: withKey(withoutKey(o, k), k, bad.value), definite: bad.definite, how: `${k}: ${bad.how}` })),
      );
      arbs.push(
        fc.tuple(whole, fc.constantFrom(...names)).map(([o, k]): Broken => ({ value: withKey(withoutKey(o, k), k, null), definite: typeOf(props[k]!) !== 'null', how: `${k}: null` })),
      );
    }
  }
  if (!arbs.length) arbs.push(fc.constant<Broken>({ value: new RawJson('{'), definite: false, how: 'no schema: malformed' }));
  return fc.oneof(...arbs);
}

import { Option } from 'commander';
import { z } from 'zod';

/** One CLI option of a command, derived from its input schema: the field path, the flag, how to read the value. */
export interface FieldOption {
  path: string[];
  flag: string;
  /** The commander attribute name of the flag. */
  attribute: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'array';
  choices?: string[];
  required: boolean;
  description: string;
}

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; enum?: unknown[]; description?: string; items?: JsonSchema; anyOf?: JsonSchema[] };

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The options of a command, from its zod input schema (as JSON Schema): `customerId` is `--customer-id`, a nested
 * `requestedCompensation.amountYuan` is `--requested-compensation-amount-yuan`, so the CLI names the same fields the
 * API does. Required fields are required options; enums are choices.
 */
export function optionsOf(schema: z.ZodType, skip: readonly string[] = []): FieldOption[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: FieldOption[] = [];
  const visit = (s: JsonSchema, path: string[], parentRequired: boolean) => {
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      const p = [...path, name];
      if (path.length === 0 && skip.includes(name)) continue;
      const required = parentRequired && (s.required ?? []).includes(name);
      const type = Array.isArray(prop.type) ? prop.type[0] : prop.type;
      if (type === 'object' && prop.properties) {
        visit(prop, p, required);
        continue;
      }
      const flag = `--${p.map(kebab).join('-')}`;
      out.push({
        path: p,
        flag,
        attribute: camel(flag.slice(2)),
        type: type === 'array' ? 'array' : type === 'number' || type === 'integer' || type === 'boolean' ? type : 'string',
        ...(prop.enum ? { choices: prop.enum.map(String) } : {}),
        required,
        description: prop.description ?? p.join('.'),
      });
    }
  };
  visit(json, [], true);
  return out;
}

/** A required yes/no is given as `--passed true|false` (a bare flag could only say yes); an optional one is a flag. */
const takesValue = (f: FieldOption) => f.type !== 'boolean' || f.required;

export function commanderOption(f: FieldOption): Option {
  const value = !takesValue(f) ? '' : f.type === 'boolean' ? ' <true|false>' : f.type === 'array' ? ' <values...>' : ` <${f.path[f.path.length - 1]}>`;
  const o = new Option(`${f.flag}${value}`, `${f.description}${f.required ? ' (required)' : ''}`);
  if (f.choices) o.choices(f.choices);
  else if (f.type === 'boolean' && f.required) o.choices(['true', 'false']);
  if (f.required) o.makeOptionMandatory();
  return o;
}

/** The request body from parsed options: numbers as numbers (a non-number stays text, for the API to name). */
export function bodyOf(fields: readonly FieldOption[], opts: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    const raw = opts[f.attribute];
    if (raw === undefined) continue;
    const value =
      f.type === 'number' || f.type === 'integer'
        ? Number.isFinite(Number(raw)) && raw !== ''
          ? Number(raw)
          : raw
        : f.type === 'boolean' && typeof raw === 'string'
          ? raw === 'true'
          : raw;
    let at = body;
    for (const k of f.path.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[f.path[f.path.length - 1]!] = value;
  }
  return body;
}

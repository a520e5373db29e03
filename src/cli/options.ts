import { z } from 'zod';
import type { FieldOption } from './fields';

export { bodyOf, commanderOption, type FieldOption } from './fields';

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

import { Option } from 'commander';

// The options of a command's fields and the request body they make, without the schema library: the compiled CLI
// builds its commands from fields derived at build time (src/cli/manifest.ts).

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

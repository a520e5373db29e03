import type { z } from 'zod';
import { complaintEvents } from '../domain/complaint/model';
import { customerContactUpdated, customerRegistered } from '../domain/customer/model';
import { piiFields, type PiiKind } from '../domain/pii';
import { fieldIssues } from '../domain/validation';

/**
 * The event catalogue: every event type, its current schema version and its schema. An older version stays readable
 * through an upcaster to the next version, so stored history never has to be rewritten.
 */
interface CatalogueEntry {
  version: number;
  schema: z.ZodType;
  /** upcasters[v] turns data of version v into version v + 1. */
  upcasters?: Record<number, (data: unknown) => unknown>;
}

const entries = {
  CustomerRegistered: { version: 1, schema: customerRegistered },
  CustomerContactUpdated: { version: 1, schema: customerContactUpdated },
  ...(Object.fromEntries(Object.entries(complaintEvents).map(([type, schema]) => [type, { version: 1, schema }])) as {
    [K in keyof typeof complaintEvents]: { version: 1; schema: (typeof complaintEvents)[K] };
  }),
} satisfies Record<string, CatalogueEntry>;

const catalogue: Record<string, CatalogueEntry> = entries;

export type EventType = keyof typeof entries;

export function isKnownEventType(type: string): boolean {
  return type in catalogue;
}

export function eventTypes(): string[] {
  return Object.keys(catalogue);
}

export function schemaVersionOf(type: string): number {
  const entry = catalogue[type];
  if (!entry) throw new Error(`unknown event type ${type}`);
  return entry.version;
}

export type EventDataCheck = { ok: true; data: unknown } | { ok: false; problem: string };

/** Validates event data against the current schema of its type. */
export function checkEventData(type: string, data: unknown): EventDataCheck {
  const entry = catalogue[type];
  if (!entry) return { ok: false, problem: `unknown event type ${type}` };
  const r = entry.schema.safeParse(data);
  if (r.success) return { ok: true, data: r.data };
  return { ok: false, problem: `${type}: ${fieldIssues(r.error).map((i) => `${i.field} ${i.rule}`).join('; ')}` };
}

/** Brings stored data of any version up to the current version of its type. */
export function upcast(type: string, version: number, data: unknown): unknown {
  const entry = catalogue[type];
  if (!entry) return data;
  let d = data;
  for (let v = version; v < entry.version; v++) {
    const up = entry.upcasters?.[v];
    if (!up) throw new Error(`no upcaster for ${type} v${v}`);
    d = up(d);
  }
  return d;
}

const piiCache = new Map<string, Array<{ path: string; kind: PiiKind }>>();

/** Personal-data fields of an event type's data, as dotted paths. */
export function piiFieldsOf(type: string): Array<{ path: string; kind: PiiKind }> {
  let f = piiCache.get(type);
  if (!f) {
    const entry = catalogue[type];
    f = entry ? piiFields(entry.schema) : [];
    piiCache.set(type, f);
  }
  return f;
}

/** Every field name that holds personal data in any event (for log redaction). */
export function piiKeyNames(): Set<string> {
  const names = new Set<string>();
  for (const type of Object.keys(catalogue)) for (const f of piiFieldsOf(type)) names.add(f.path.split('.').pop()!);
  return names;
}

import { z } from 'zod';
import { entityId } from '../domain/fields';
import { NOTIFICATION_ISSUED } from '../domain/notifications';
import { piiFields, type PiiKind } from '../domain/pii';
import type { EventSpec } from '../domain/process';
import { fieldIssues } from '../domain/validation';
import { setValueAt, valueAt } from '../domain/paths';
import { PROCESSES } from '../processes/registry';
import { isSealed } from './keys/cipher';
import { calendarVersionSchema, CALENDAR_VERSION_RECORDED } from '../calendar/notice';
import { replannedEventOf } from '../domain/deadlines/replan';
import { deadlinesReplannedSpec } from '../domain/deadlines/replan-schemas';

/**
 * The event catalogue: every event type, its current schema version and its schema, from each process's definition
 * plus the kernel's own events. An older version stays readable through an upcaster to the next version, so stored
 * history never has to be rewritten.
 */

/** A notification the event before it calls for, recorded in the same append (see src/domain/notifications.ts). */
const notificationIssued = z
  .object({
    stream: z.string().min(1),
    key: z.string().min(1),
    recipient: z.string().regex(/^(role|actor|customer):\S+$/, 'must be role:<role>, actor:<id> or customer:<id>'),
    chainOf: z.string().min(1).optional(),
    subject: z.string(),
    body: z.string(),
    about: z.string(),
  })
  .strict();

const KERNEL_EVENTS: Record<string, EventSpec> = {
  /** An imported holiday notice (`taizhang calendar import`), in the `calendar-holidays` stream. */
  [CALENDAR_VERSION_RECORDED]: { version: 1, schema: calendarVersionSchema },
  [NOTIFICATION_ISSUED]: {
    version: 2,
    schema: notificationIssued,
    upcasters: {
      // v1 belonged to complaints only and named the complaint.
      1: (data) => {
        const { complaintId, ...rest } = z.object({ complaintId: entityId }).passthrough().parse(data);
        return { stream: `complaint-${complaintId}`, ...rest };
      },
    },
  },
};

function build(): Record<string, EventSpec> {
  const out: Record<string, EventSpec> = { ...KERNEL_EVENTS };
  for (const p of PROCESSES) {
    // A process with deadlines records the kernel's re-plan event (a process may keep its own earlier versions of it).
    const replanned = p.deadlines && !p.events[replannedEventOf(p)] ? { [replannedEventOf(p)]: deadlinesReplannedSpec(p.idField) } : {};
    for (const [type, spec] of Object.entries({ ...p.events, ...replanned })) {
      if (out[type]) throw new Error(`event type ${type} of process ${p.name} is already in the catalogue`);
      out[type] = spec;
    }
  }
  return out;
}

const catalogue = build();

export function schemaVersionOf(type: string): number {
  const entry = catalogue[type];
  if (!entry) throw new Error(`unknown event type ${type}`);
  return entry.version;
}

export type EventDataCheck = { ok: true; data: unknown } | { ok: false; problem: string };

/** A valid value of each kind, standing in for a sealed one while the rest of an event is validated. */
const STAND_IN: Record<PiiKind, string> = { phone: '13800138000', email: 'sealed@example.com', person_name: '某', address: '某地' };


/**
 * Validates event data against the current schema of its type. Personal fields arrive sealed with their customer's
 * key (src/events/keys/cipher.ts): the API validated their plain values before sealing them, so here each sealed one
 * is checked as a valid value of its kind and recorded as it came.
 */
export function checkEventData(type: string, data: unknown): EventDataCheck {
  const entry = catalogue[type];
  if (!entry) return { ok: false, problem: `unknown event type ${type}` };
  const sealed = piiFieldsOf(type)
    .map((f) => ({ path: f.path.split('.'), kind: f.kind }))
    .map((f) => ({ ...f, value: valueAt(data, f.path) }))
    .filter((f) => isSealed(f.value));
  let input = data;
  if (sealed.length) {
    input = structuredClone(data);
    for (const f of sealed) setValueAt(input, f.path, STAND_IN[f.kind]);
  }
  const r = entry.schema.safeParse(input);
  if (r.success) {
    for (const f of sealed) setValueAt(r.data, f.path, f.value);
    return { ok: true, data: r.data };
  }
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

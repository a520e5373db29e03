/**
 * The history of one stream for an auditor (痕迹管理): every event with who, when and why, and what it changed.
 *
 * What an event "changed" is a shallow diff of its data against the state accumulated from the stream's earlier events:
 * data is flattened to dotted paths (arrays are single values), and a top-level `changes` object — the catalogue's
 * convention for partial updates such as `CustomerContactUpdated` — applies to the entity's own fields, so an updated
 * phone shows as `phone: old → new`. Fields an event repeats unchanged (the entity id) are not listed.
 *
 * For roles that see personal data masked, personal fields are masked (a customer's name only when the customer is a
 * person) and so is what looks like personal data in free text: other string values and the reasons.
 */
import type { ActorRole } from '../domain/roles';
import { effectiveParty, ERASED, maskFreeText, maskPii, type Party, type PiiKind } from '../domain/pii';
import { piiFieldsOf, upcast } from '../events/catalogue';
import type { RecordedEvent } from '../events/envelope';
import type { EventStore } from '../events/store/port';
import { mayReadPii } from '../projections/reader';
import { canonicalJson } from './hashing';
import type { PiiCipher } from '../events/keys/cipher';

export interface FieldChange {
  /** Dotted path in the entity's state (`phone`, `firstResponse.due`). */
  field: string;
  kind: 'added' | 'changed';
  /** The previous value (absent for `added`). */
  from?: unknown;
  to: unknown;
  /** True when personal data was masked for the viewer's role. */
  masked?: boolean;
}

export interface HistoryEntry {
  revision: number;
  position: string;
  id: string;
  type: string;
  occurredAt: string;
  recordedAt: string;
  actor: string;
  /** The actor's role when acting. */
  role: string;
  reason: string | null;
  correlationId: string;
  changes: FieldChange[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaves of the event's data: [path in the data, path in the entity state, value]. */
function leaves(data: unknown): Array<{ dataPath: string; statePath: string; value: unknown }> {
  const out: Array<{ dataPath: string; statePath: string; value: unknown }> = [];
  const visit = (v: unknown, dataPath: string, statePath: string) => {
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        const dp = dataPath ? `${dataPath}.${k}` : k;
        // A top-level `changes` object updates the entity's own fields.
        const sp = dataPath === '' && k === 'changes' && isPlainObject(x) ? '' : statePath ? `${statePath}.${k}` : k;
        visit(x, dp, sp);
      }
    } else if (statePath) out.push({ dataPath, statePath, value: v });
  };
  if (isPlainObject(data)) visit(data, '', '');
  return out;
}

function piiKindAt(type: string, dataPath: string): PiiKind | undefined {
  return piiFieldsOf(type).find((f) => dataPath === f.path || dataPath.startsWith(`${f.path}.`))?.kind;
}

function maskValue(kind: PiiKind, v: unknown): unknown {
  if (typeof v === 'string') return v ? maskPii(kind, v) : v;
  return v === null || v === undefined ? v : '***';
}

/** Free text anywhere in a value (strings, and the strings in arrays and objects) with personal data in it masked. */
function maskFree(v: unknown): unknown {
  if (typeof v === 'string') return maskFreeText(v);
  if (Array.isArray(v)) return v.map(maskFree);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskFree(x)]));
  return v;
}

const isCustomerStream = (streamName: string) => streamName.startsWith('customer-');
/** The customer's own name (registered, proposed or changed), as opposed to a contact person's. */
const isCustomerName = (statePath: string) => statePath === 'name' || statePath.endsWith('.name');

/** A customer's party over its whole history, by the customers ledger's rule: once a person, always a person. */
function partyOfCustomer(events: readonly RecordedEvent[], data: readonly unknown[]): Party {
  let party: Party | undefined;
  for (const [i, e] of events.entries()) {
    const d = data[i] as { party?: string; type?: string; registration?: { party?: string; type?: string }; changes?: { type?: string } };
    if (e.type === 'CustomerRegistered') party = effectiveParty(d.party, d.type, party);
    else if (e.type === 'CustomerChangeSubmitted' && d.registration) party = effectiveParty(d.registration.party, d.registration.type, party);
    else if (e.type === 'CustomerProfileChanged' && d.changes?.type) party = effectiveParty(undefined, d.changes.type, party);
  }
  return party ?? 'person';
}

/** A stream's history and, for the access log, the personal fields it showed unmasked (by state path). */
export interface StreamHistory {
  entries: HistoryEntry[];
  /** Personal fields shown unmasked: empty for roles that see them masked, and for streams without any. */
  personalFields: string[];
  /** How many events showed personal data unmasked. */
  personalEvents: number;
}

/** The events of a stream, oldest first, with personal data masked for roles that may not see it. */
export async function streamHistory(store: EventStore, streamName: string, role: ActorRole, pii?: PiiCipher): Promise<HistoryEntry[]> {
  return (await readStreamHistory(store, streamName, role, pii)).entries;
}

/** streamHistory, with what it showed of personal data unmasked (for the access log). */
export async function readStreamHistory(store: EventStore, streamName: string, role: ActorRole, pii?: PiiCipher): Promise<StreamHistory> {
  const showPii = mayReadPii(role);
  const state = new Map<string, unknown>();
  const piiOfState = new Map<string, PiiKind>();
  const entries: HistoryEntry[] = [];
  const events = await store.readStream(streamName);
  // An organisation's name is not personal data; a person's is, in every event of its stream.
  // Personal fields are stored sealed with their customer's key: opened here, all at once ([已删除] once erased), masked below.
  const stored = events.map((e) => upcast(e.type, e.metadata.schemaVersion, e.data));
  const opened = pii ? pii.reveal(stored) : stored;
  const namesArePersonal = !isCustomerStream(streamName) || partyOfCustomer(events, stored) === 'person';
  const shown = new Set<string>();
  let personalEvents = 0;
  for (const [i, e] of events.entries()) {
    const data = opened[i];
    const changes: FieldChange[] = [];
    let personalHere = false;
    for (const { dataPath, statePath, value } of leaves(data)) {
      const marked = piiKindAt(e.type, dataPath) ?? piiOfState.get(statePath);
      if (marked) piiOfState.set(statePath, marked);
      const kind = marked && (namesArePersonal || !isCustomerName(statePath)) ? marked : undefined;
      // A leaf replaces whatever the state held at, under or above its path (an object set to null and back).
      const prefix = `${statePath}.`;
      const below = [...state.keys()].filter((k) => k.startsWith(prefix));
      const above = [...state.keys()].filter((k) => statePath.startsWith(`${k}.`));
      const had = state.has(statePath) || below.length > 0;
      const from = state.has(statePath) ? state.get(statePath) : Object.fromEntries(below.map((k) => [k.slice(prefix.length), state.get(k)]));
      for (const k of [...below, ...above]) state.delete(k);
      state.set(statePath, value);
      if (had && canonicalJson(from ?? null) === canonicalJson(value ?? null)) continue;
      const hide = kind !== undefined && !showPii;
      const change: FieldChange = {
        field: statePath,
        kind: had ? 'changed' : 'added',
        ...(had ? { from: hide ? maskValue(kind, from) : from } : {}),
        to: hide ? maskValue(kind, value) : value,
      };
      if (hide) change.masked = true;
      else if (!showPii) {
        // Free text: what looks like a phone number, an ID-card number or an e-mail address is masked too.
        const to = maskFree(change.to);
        const fromMasked = had ? maskFree(change.from) : undefined;
        if (canonicalJson(to ?? null) !== canonicalJson(change.to ?? null) || (had && canonicalJson(fromMasked ?? null) !== canonicalJson(change.from ?? null)))
          Object.assign(change, { to, ...(had ? { from: fromMasked } : {}), masked: true });
      } else if (kind !== undefined && [value, from].some((v) => typeof v === 'string' && v !== '' && v !== ERASED)) {
        shown.add(statePath);
        personalHere = true;
      }
      changes.push(change);
    }
    if (personalHere) personalEvents++;
    const reason = e.metadata.reason ?? null;
    entries.push({
      revision: e.revision,
      position: e.position,
      id: e.id,
      type: e.type,
      occurredAt: e.metadata.occurredAt,
      recordedAt: e.recordedAt,
      actor: e.metadata.actor,
      role: e.metadata.role,
      reason: reason !== null && !showPii ? maskFreeText(reason) : reason,
      correlationId: e.metadata.correlationId,
      changes,
    });
  }
  return { entries, personalFields: [...shown], personalEvents };
}

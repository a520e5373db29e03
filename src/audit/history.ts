/**
 * The history of one stream for an auditor (痕迹管理): every event with who, when and why, and what it changed.
 *
 * What an event "changed" is a shallow diff of its data against the state accumulated from the stream's earlier events:
 * data is flattened to dotted paths (arrays are single values), and a top-level `changes` object — the catalogue's
 * convention for partial updates such as `CustomerContactUpdated` — applies to the entity's own fields, so an updated
 * phone shows as `phone: old → new`. Fields an event repeats unchanged (the entity id) are not listed.
 */
import type { ActorRole } from '../domain/roles';
import { maskPii, type PiiKind } from '../domain/pii';
import { piiFieldsOf, upcast } from '../events/catalogue';
import type { EventStore } from '../events/store/port';
import { mayReadPii } from '../projections/reader';
import { canonicalJson } from './hashing';

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

/** The events of a stream, oldest first, with personal data masked for roles that may not see it. */
export async function streamHistory(store: EventStore, streamName: string, role: ActorRole): Promise<HistoryEntry[]> {
  const showPii = mayReadPii(role);
  const state = new Map<string, unknown>();
  const piiOfState = new Map<string, PiiKind>();
  const entries: HistoryEntry[] = [];
  for (const e of await store.readStream(streamName)) {
    const data = upcast(e.type, e.metadata.schemaVersion, e.data);
    const changes: FieldChange[] = [];
    for (const { dataPath, statePath, value } of leaves(data)) {
      const kind = piiKindAt(e.type, dataPath) ?? piiOfState.get(statePath);
      if (kind) piiOfState.set(statePath, kind);
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
      changes.push(change);
    }
    entries.push({
      revision: e.revision,
      position: e.position,
      id: e.id,
      type: e.type,
      occurredAt: e.metadata.occurredAt,
      recordedAt: e.recordedAt,
      actor: e.metadata.actor,
      role: e.metadata.role,
      reason: e.metadata.reason ?? null,
      correlationId: e.metadata.correlationId,
      changes,
    });
  }
  return entries;
}

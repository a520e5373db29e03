import type { LedgerProjection, LedgerRow, ProjectedEvent } from '../../src/domain/ledger';

let position = 0;
/** A recorded event as a projection sees it: stream, revision, type, data and who/when. */
export function recorded(streamName: string, revision: number, type: string, data: unknown, meta: Partial<ProjectedEvent['metadata']> = {}): ProjectedEvent {
  position++;
  return {
    id: `${streamName}@${revision}`,
    type,
    data,
    streamName,
    revision,
    position: String(position),
    recordedAt: meta.occurredAt ?? '2026-10-09T01:00:00.000Z',
    metadata: { actor: 'li.na', role: 'agent', occurredAt: '2026-10-09T01:00:00.000Z', ...meta },
  };
}

/**
 * Ledger projections as specifications: `given(events).rows(ledger)` folds the events through the ledger's own
 * `rowKey` and `evolve`, as the projector does, and returns its rows in key order.
 */
export function given(events: ProjectedEvent[]) {
  return {
    rows(ledger: LedgerProjection): LedgerRow[] {
      const rows = new Map<string, LedgerRow>();
      for (const e of events) {
        if (!ledger.handles.includes(e.type)) continue;
        const key = ledger.rowKey(e);
        if (!key) continue;
        const k = JSON.stringify(ledger.key.map((c) => key[c]));
        const next = ledger.evolve(rows.get(k), e);
        if (next === null) rows.delete(k);
        else if (next !== undefined) rows.set(k, next);
      }
      return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
    },
  };
}

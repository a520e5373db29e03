import type { LedgerProjection, LedgerShape } from '../domain/ledger';

/**
 * A ledger computed from other ledgers by SQL at read time (the KPI views): always consistent with them, live, as of
 * any moment (it reads the as-of rebuild) and in exports.
 */
export interface LedgerView extends LedgerShape {
  sql: string;
}

/** The FROM clause of a ledger: its table, or its view's query. */
export const sourceOf = (l: LedgerShape): string => ('sql' in l ? `(${(l as LedgerView).sql})` : `"${tableOf(l)}"`);

export const isProjection = (l: LedgerShape): l is LedgerProjection => 'evolve' in l;

export const tableOf = (p: Pick<LedgerProjection, 'name'>): string => `ledger_${p.name}`;

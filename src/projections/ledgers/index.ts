import type { LedgerProjection, LedgerShape, LedgerView } from '../projection';
import { complaintsLedger, escalationsLedger } from './complaints';
import { customersLedger } from './customers';
import { followUpsLedger } from './follow-ups';
import { kpiView } from './kpi';

/** Every ledger the projector maintains; a new ledger is added here and is built from position 0 on next start. */
export const LEDGERS: readonly LedgerProjection[] = [customersLedger, complaintsLedger, escalationsLedger, followUpsLedger];

/** Ledgers computed from the others at read time. */
export const VIEWS: readonly LedgerView[] = [kpiView('month'), kpiView('quarter')];

/** Everything readable under `/ledgers/<name>`. */
export const ALL_LEDGERS: readonly LedgerShape[] = [...LEDGERS, ...VIEWS];

export function ledgerByName(name: string): LedgerShape | undefined {
  return ALL_LEDGERS.find((l) => l.name === name);
}

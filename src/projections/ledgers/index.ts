import type { LedgerProjection } from '../projection';
import { complaintsLedger, escalationsLedger } from './complaints';
import { customersLedger } from './customers';

/** Every ledger the projector maintains; a new ledger is added here and is built from position 0 on next start. */
export const LEDGERS: readonly LedgerProjection[] = [customersLedger, complaintsLedger, escalationsLedger];

export function ledgerByName(name: string): LedgerProjection | undefined {
  return LEDGERS.find((l) => l.name === name);
}

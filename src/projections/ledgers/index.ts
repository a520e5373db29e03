import { SHANGHAI_OFFSET_MINUTES } from '../../domain/calendar/settings';
import type { LedgerProjection, LedgerShape } from '../../domain/ledger';
import { resolutionsLedger } from '../../processes/complaint/ledger';
import { PROCESSES } from '../../processes/registry';
import type { LedgerView } from '../projection';
import { escalationsLedger } from './escalations';
import { kpiView } from './kpi';

/**
 * Every ledger the projector maintains: each process's own, from the registry, the complaints' resolutions and closes
 * (which the KPI views count), and the escalations of all of them.
 * A new ledger is built from position 0 on the projector's next start.
 */
export const LEDGERS: readonly LedgerProjection[] = [...PROCESSES.flatMap((p) => p.ledgers), resolutionsLedger, escalationsLedger(PROCESSES)];

/** Ledgers computed from the others at read time; their periods are counted in the display zone's offset. */
const viewsFor = (offsetMinutes: number): readonly LedgerView[] => [kpiView('month', offsetMinutes), kpiView('quarter', offsetMinutes)];

/** Everything readable under `/ledgers/<name>`, KPI periods in the given offset (the configured display zone). */
export const allLedgers = (offsetMinutes: number = SHANGHAI_OFFSET_MINUTES): readonly LedgerShape[] => [...LEDGERS, ...viewsFor(offsetMinutes)];

export const ALL_LEDGERS: readonly LedgerShape[] = allLedgers();

export function ledgerByName(name: string): LedgerShape | undefined {
  return ALL_LEDGERS.find((l) => l.name === name);
}

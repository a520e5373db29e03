import type { Logger } from 'pino';
import type { Client } from '@temporalio/client';
import type { Directory } from '../domain/directory';
import type { Policy } from '../domain/policy/schema';
import type { EventStore } from '../events/store/port';
import type { DataKeyStore } from '../events/keys/data-keys';
import { createEventActivities } from './events';
import { createProcessActivities } from './processes';
import { createSurveyActivities, type LedgerSource } from './surveys';

export interface ActivityDeps {
  store: EventStore;
  logger: Logger;
  /** For survey samples: the policy in force, the ledgers and the staff directory. */
  policy?: Policy;
  ledgers?: LedgerSource;
  directory?: Directory;
  /** Starts the processes a workflow opens (corrective actions, scheduled survey rounds). */
  client?: Client;
  /** Seals the creating command of each process started (TAIZHANG_COMMAND_KEYS). */
  commandKeys?: readonly Buffer[];
  /** The customers' data keys, destroyed by an erasure (crypto-shredding). */
  dataKeys?: DataKeyStore;
}

/** The worker's activities, built from their dependencies (the worker is the composition root). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEventActivities(deps),
    ...createSurveyActivities(deps),
    ...createProcessActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

import type { Logger } from 'pino';
import type { EventStore } from '../events/store/port';
import { createEventActivities } from './events';

export interface ActivityDeps {
  store: EventStore;
  logger: Logger;
}

/** The worker's activities, built from their dependencies (the worker is the composition root). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEventActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

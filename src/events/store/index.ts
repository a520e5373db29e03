import type { Config } from '../../config/config';
import type { EventStore } from './port';
import { SqliteEventStore } from './sqlite';

export type { EventStore } from './port';

/** Opens the configured event store: KurrentDB when EVENTSTORE_URL is set, else the SQLite file in DATA_DIR. */
export async function openEventStore(
  config: Pick<Config, 'EVENTSTORE_URL' | 'EVENTSTORE_MAX_EVENT_BYTES' | 'eventsDbPath' | 'PROJECTOR_POLL_MS'>,
  options: { readonly?: boolean } = {},
): Promise<EventStore> {
  if (config.EVENTSTORE_URL) {
    // Loaded only when used, so the embedded stack never pays for the gRPC client.
    const { createKurrentEventStore } = await import('./kurrent');
    return createKurrentEventStore({ url: config.EVENTSTORE_URL, maxEventBytes: config.EVENTSTORE_MAX_EVENT_BYTES });
  }
  return new SqliteEventStore({
    file: config.eventsDbPath,
    maxEventBytes: config.EVENTSTORE_MAX_EVENT_BYTES,
    pollIntervalMs: config.PROJECTOR_POLL_MS,
    readonly: options.readonly,
  });
}

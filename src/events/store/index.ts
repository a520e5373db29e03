import type { EventStore } from './port';
import { SqliteEventStore } from './sqlite';

export type { EventStore } from './port';

/** Where the events are: a PostgreSQL URL or a KurrentDB connection string, else the SQLite file. */
export interface EventStoreOptions {
  /** `postgres://…` / `postgresql://…`: PostgreSQL; `esdb://…` / `kurrentdb://…`: KurrentDB (EventStoreDB); instead of SQLite. */
  url?: string;
  /** The SQLite file (DATA_DIR/events.db). */
  file: string;
  maxEventBytes: number;
  /** How often SQLite subscriptions look for events appended by other processes. */
  pollIntervalMs: number;
  readonly?: boolean;
}

/** Opens the event store the options name. */
export async function openEventStore(options: EventStoreOptions): Promise<EventStore> {
  if (options.url && /^postgres(ql)?:\/\//i.test(options.url)) {
    // Loaded only when used, like the KurrentDB client. Its subscriptions wake on LISTEN/NOTIFY and poll as a fallback
    // at their own interval: `pollIntervalMs` is SQLite's (it has no notifications, so it polls often).
    const { createPostgresEventStore } = await import('./postgres');
    return createPostgresEventStore({ url: options.url, maxEventBytes: options.maxEventBytes });
  }
  if (options.url) {
    // Loaded only when used, so the embedded stack never pays for the gRPC client.
    const { createKurrentEventStore } = await import('./kurrent');
    return createKurrentEventStore({ url: options.url, maxEventBytes: options.maxEventBytes });
  }
  return new SqliteEventStore({ file: options.file, maxEventBytes: options.maxEventBytes, pollIntervalMs: options.pollIntervalMs, readonly: options.readonly });
}

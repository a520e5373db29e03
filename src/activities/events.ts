import { ApplicationFailure } from '@temporalio/common';
import { checkEventData, schemaVersionOf, upcast } from '../events/catalogue';
import type { DataKeyStore } from '../events/keys/data-keys';
import { eventMetadata, type EventEnvelope, type EventMetadata } from '../events/envelope';
import { deterministicEventId } from '../events/ids';
import { ConcurrencyError, EventStoreError } from '../events/store/errors';
import type { EventStore } from '../events/store/port';
import type { Logger } from 'pino';

/** An event as a workflow proposes it: the activity adds the id and the schema version. */
export interface ProposedEvent {
  type: string;
  data: unknown;
  metadata: Omit<EventMetadata, 'schemaVersion'>;
}

export interface AppendEventsInput {
  streamName: string;
  /** Revision of the stream's last event as the workflow knows it; -1 when the stream is new. */
  expectedRevision: number;
  events: ProposedEvent[];
}

export interface AppendEventsResult {
  nextExpectedRevision: number;
  position: string;
  eventIds: string[];
  alreadyAppended: boolean;
  /**
   * When the events were durable, in the workflow's time: the workflow's clock when it asked (the events'
   * occurredAt) plus the time this append took. Recorded in the workflow's history with the result, so the workflow
   * may count on it (an alarm due by then fires at once), where the clock a workflow task reads may differ between an
   * execution and its replay.
   */
  durableAt?: string;
}

export interface LoadedEvent {
  id: string;
  type: string;
  data: unknown;
  revision: number;
  position: string;
  occurredAt: string;
  /** The command (Update id) that caused it: lets a workflow recognise a command it already applied. */
  causationId: string;
}

export interface LoadStreamResult {
  events: LoadedEvent[];
  /** Revision of the last event, -1 for an empty stream. */
  revision: number;
  /** When the stream was read, in the workflow's time (its `clock` plus the read's duration; as AppendEventsResult.durableAt). */
  readAt?: string;
}

/** The customers an append erases (`CustomerErased`): their data keys are destroyed once it is durable. */
const erasedBy = (envelopes: readonly EventEnvelope[]) => envelopes.filter((e) => e.type === 'CustomerErased').map((e) => e.data as { customerId: string; at: string });

/** `{ [key]: clock + the time since started }` in the workflow's time, or nothing without a clock. */
function workflowTimeAfter<K extends string>(clock: string | undefined, started: number, key: K): Partial<Record<K, string>> {
  const at = clock === undefined ? NaN : Date.parse(clock);
  return Number.isNaN(at) ? {} : ({ [key]: new Date(at + Math.max(0, Date.now() - started)).toISOString() } as Record<K, string>);
}

export function createEventActivities(deps: { store: EventStore; logger: Logger; dataKeys?: DataKeyStore }) {
  const { store, logger } = deps;
  return {
    /**
     * Appends a workflow's events. Ids derive from (workflow, stream, revision), so a retry after a crash or timeout
     * re-sends the same ids and the store treats it as already done.
     */
    async appendEvents(input: AppendEventsInput): Promise<AppendEventsResult> {
      const started = Date.now();
      const envelopes: EventEnvelope[] = input.events.map((e, i) => {
        const checked = checkEventData(e.type, e.data);
        if (!checked.ok) throw ApplicationFailure.nonRetryable(checked.problem, 'InvalidEventError');
        const metadata = eventMetadata.safeParse({ ...e.metadata, schemaVersion: schemaVersionOf(e.type) });
        if (!metadata.success) throw ApplicationFailure.nonRetryable(`${e.type}: metadata ${metadata.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, 'InvalidEventError');
        return {
          id: deterministicEventId(e.metadata.workflowId, e.metadata.runId, input.streamName, input.expectedRevision + 1 + i),
          type: e.type,
          data: checked.data,
          metadata: metadata.data,
        };
      });
      const erased = erasedBy(envelopes);
      if (erased.length && !deps.dataKeys) throw ApplicationFailure.nonRetryable('this worker has no customer data keys (DATA_DIR/customer-keys.db) to destroy for an erasure', 'NoDataKeys');
      try {
        const r = await store.append(input.streamName, envelopes, {
          expectedRevision: input.expectedRevision < 0 ? 'no_stream' : input.expectedRevision,
        });
        // Crypto-shredding: the key goes once the erasure is on record; a retried append (already done) destroys it
        // again, which changes nothing, so a crash between the two never leaves a recorded erasure with its key.
        for (const e of erased) if (deps.dataKeys!.destroy(e.customerId, e.at)) logger.info({ customerId: e.customerId }, 'customer data key destroyed');
        logger.debug(
          { stream: input.streamName, types: envelopes.map((e) => e.type), position: r.position, retry: r.alreadyAppended },
          'events appended',
        );
        return { ...r, eventIds: envelopes.map((e) => e.id), ...workflowTimeAfter(input.events[0]?.metadata.occurredAt, started, 'durableAt') };
      } catch (err) {
        if (err instanceof ConcurrencyError) {
          throw ApplicationFailure.create({ type: 'ConcurrencyError', message: err.message, nonRetryable: true });
        }
        if (err instanceof EventStoreError) throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
        throw err;
      }
    },

    /** Reads a stream so a workflow started without carried state can rebuild it. */
    async loadStream(input: { streamName: string; fromRevision?: number; clock?: string }): Promise<LoadStreamResult> {
      const started = Date.now();
      const events = await store.readStream(input.streamName, { fromRevision: input.fromRevision ?? 0 });
      return {
        events: events.map((e) => ({
          id: e.id,
          type: e.type,
          data: upcast(e.type, e.metadata.schemaVersion, e.data),
          revision: e.revision,
          position: e.position,
          occurredAt: e.metadata.occurredAt,
          causationId: e.metadata.causationId,
        })),
        revision: events.length ? events[events.length - 1]!.revision : (input.fromRevision ?? 0) - 1,
        ...workflowTimeAfter(input.clock, started, 'readAt'),
      };
    },
  };
}

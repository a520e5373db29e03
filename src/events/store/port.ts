import type { EventEnvelope, RecordedEvent } from '../envelope';

/**
 * `'no_stream'`: the stream must not exist; `'stream_exists'`: it must; `'any'`: no check;
 * a number: the revision of the stream's last event.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendResult {
  /** Revision of the stream's last event after the append. */
  nextExpectedRevision: number;
  /** Position of the last appended event. */
  position: string;
  /** True when every event was already at the stream's tail (an idempotent retry). */
  alreadyAppended: boolean;
}

export interface AllFilter {
  /** Only streams whose name starts with one of these. */
  streamPrefixes?: string[];
  /** Only these event types. */
  eventTypes?: string[];
}

export interface ReadAllOptions {
  /** A checkpoint: delivery starts strictly after this position. Default: the beginning. */
  fromPosition?: string;
  filter?: AllFilter;
  /** Stop after this many events. */
  maxCount?: number;
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive). Default 0. */
  fromRevision?: number;
  maxCount?: number;
}

export interface SubscribeOptions {
  fromPosition?: string;
  filter?: AllFilter;
}

/** Called for each event in order; the next event waits for the returned promise. */
export type EventHandler = (event: RecordedEvent) => void | Promise<void>;

export interface Subscription {
  /** Stops delivery; resolves when the handler is no longer running. */
  stop(): Promise<void>;
  /** Settles when the subscription ends: resolves after stop(), rejects if the handler or the store failed. */
  readonly done: Promise<void>;
  /** True once every event that existed at subscription time has been delivered. */
  readonly caughtUp: boolean;
}

export interface StoreHead {
  /** Position of the newest event, or START when empty. */
  position: string;
}

export interface EventStore {
  readonly kind: 'sqlite' | 'kurrentdb' | 'postgres';
  append(streamName: string, events: EventEnvelope[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /** Events of one stream in revision order; an unknown stream reads as empty. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Every event of every stream in global order (system events excluded). */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /** Catch-up from the position, then live; one event at a time. */
  subscribeAll(options: SubscribeOptions, handler: EventHandler): Subscription;
  head(): Promise<StoreHead>;
  /** Where the store can tell: the first stored event after a position whose record no longer parses (a damaged byte). */
  firstUnreadableAfter?(position: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Store-independent failures; each adapter maps its driver's errors to these. */
export class EventStoreError extends Error {
  override name = 'EventStoreError';
}

/** Optimistic concurrency: the stream is not at the revision the writer expected. */
export class ConcurrencyError extends EventStoreError {
  override name = 'ConcurrencyError';
  constructor(
    readonly streamName: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`stream ${streamName} is at revision ${actual}, expected ${expected}`);
  }
}

/** An event id that the store already holds somewhere other than this stream's tail. */
export class DuplicateEventIdError extends EventStoreError {
  override name = 'DuplicateEventIdError';
  constructor(
    readonly eventId: string,
    readonly streamName: string,
  ) {
    super(`event id ${eventId} is already stored and is not at the tail of ${streamName}; refusing to append it again`);
  }
}

export class EventTooLargeError extends EventStoreError {
  override name = 'EventTooLargeError';
  constructor(
    readonly eventType: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`event ${eventType} is ${bytes} bytes, over the limit of ${limit} bytes (EVENTSTORE_MAX_EVENT_BYTES)`);
  }
}

export class InvalidEventError extends EventStoreError {
  override name = 'InvalidEventError';
}

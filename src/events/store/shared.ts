import type { EventEmitter } from 'node:events';
import { comparePositions, type EventEnvelope, type RecordedEvent } from '../envelope';
import { EventTooLargeError, InvalidEventError } from './errors';
import type { EventHandler, Subscription } from './port';

/** An event's data and metadata as stored: serialised once, measured for the size limit, then written as they are. */
export interface SerialisedEvent {
  /** Undefined when the value has no JSON form (a function, undefined): the store's NOT NULL column then refuses it. */
  data: string | undefined;
  metadata: string | undefined;
}

/**
 * Checks what every adapter checks before writing: well-formed envelopes, unique ids, size limit. Returns each event's
 * serialised data and metadata, so an adapter that stores JSON text writes what was measured without serialising again.
 */
export function checkEnvelopes(streamName: string, events: readonly EventEnvelope[], maxEventBytes: number): SerialisedEvent[] {
  if (!streamName || streamName.startsWith('$')) throw new InvalidEventError(`stream name "${streamName}" is empty or reserved`);
  const ids = events.length > 1 ? new Set<string>() : undefined;
  const out = new Array<SerialisedEvent>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (typeof e.id !== 'string' || e.id.length === 0) throw new InvalidEventError(`event ${e.type} has no id`);
    if (typeof e.type !== 'string' || e.type.length === 0) throw new InvalidEventError(`event ${e.id} has no type`);
    if (ids) {
      if (ids.has(e.id)) throw new InvalidEventError(`event id ${e.id} appears twice in one append`);
      ids.add(e.id);
    }
    const data = JSON.stringify(e.data) as string | undefined;
    const metadata = JSON.stringify(e.metadata) as string | undefined;
    const chars = (data?.length ?? 0) + (metadata?.length ?? 0);
    // A UTF-16 code unit is at most 3 bytes of UTF-8: only text that could be over the limit is counted exactly.
    if (chars * 3 > maxEventBytes) {
      const bytes = Buffer.byteLength(data ?? '') + Buffer.byteLength(metadata ?? '');
      if (bytes > maxEventBytes) throw new EventTooLargeError(e.type, bytes, maxEventBytes);
    }
    out[i] = { data, metadata };
  }
  return out;
}

export interface PollingSource {
  fromPosition: string;
  head: () => string;
  /** Events strictly after `after`, and the last position scanned (which may be past the last event returned). */
  readPage: (after: string) => { events: RecordedEvent[]; scannedTo: string };
  /** Resolves when new events may exist (or the signal aborts). */
  waitForMore: (signal: AbortSignal) => Promise<void>;
  handler: EventHandler;
}

/** A catch-up-then-live subscription over a store that can be read in pages: one event at a time, in order. */
export function runSubscription(src: PollingSource): Subscription {
  const abort = new AbortController();
  const initialHead = src.head();
  let after = src.fromPosition;
  let caughtUp = comparePositions(initialHead, after) <= 0;
  const done = (async () => {
    while (!abort.signal.aborted) {
      const page = src.readPage(after);
      for (const e of page.events) {
        if (abort.signal.aborted) return;
        await src.handler(e);
        after = e.position;
      }
      if (abort.signal.aborted) return;
      const advanced = comparePositions(page.scannedTo, after) > 0;
      if (advanced) after = page.scannedTo;
      if (!caughtUp && comparePositions(after, initialHead) >= 0) caughtUp = true;
      if (page.events.length === 0 && !advanced) {
        caughtUp = true;
        await src.waitForMore(abort.signal);
      }
    }
  })();
  return {
    get caughtUp() {
      return caughtUp;
    },
    done,
    async stop() {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}

/** Resolves at the next `append` the emitter announces, after `pollMs` (another process may have appended), or on abort. */
export function nextAppendOrPoll(appended: EventEmitter, pollMs: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      appended.off('append', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, pollMs);
    appended.on('append', done);
    signal.addEventListener('abort', done);
  });
}

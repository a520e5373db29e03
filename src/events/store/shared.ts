import { comparePositions, type EventEnvelope, type RecordedEvent } from '../envelope';
import { EventTooLargeError, InvalidEventError } from './errors';
import type { EventHandler, Subscription } from './port';

/** Checks what every adapter checks before writing: well-formed envelopes, unique ids, size limit. */
export function checkEnvelopes(streamName: string, events: EventEnvelope[], maxEventBytes: number): void {
  if (!streamName || streamName.startsWith('$')) throw new InvalidEventError(`stream name "${streamName}" is empty or reserved`);
  const ids = new Set<string>();
  for (const e of events) {
    if (typeof e.id !== 'string' || e.id.length === 0) throw new InvalidEventError(`event ${e.type} has no id`);
    if (typeof e.type !== 'string' || e.type.length === 0) throw new InvalidEventError(`event ${e.id} has no type`);
    if (ids.has(e.id)) throw new InvalidEventError(`event id ${e.id} appears twice in one append`);
    ids.add(e.id);
    const bytes = Buffer.byteLength(JSON.stringify(e.data) ?? '') + Buffer.byteLength(JSON.stringify(e.metadata) ?? '');
    if (bytes > maxEventBytes) throw new EventTooLargeError(e.type, bytes, maxEventBytes);
  }
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

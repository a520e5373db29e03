import type { Logger } from 'pino';
import { comparePositions, START } from '../events/envelope';
import type { EventStore } from '../events/store/port';
import type { Anchor, AnchorReason, AnchorStorePort, ChainLink } from './anchors';
import { GENESIS, linkHash, type ChainHead } from './hashing';

const BATCH = 1000;

/**
 * Extends the recorded chain from its last link to the store head (or `upToPosition`). The recorded last link is
 * trusted: events it covers are not re-read here (`verifyChain` checks them).
 */
export async function recordChain(store: EventStore, audit: AnchorStorePort, options: { upToPosition?: string } = {}): Promise<ChainHead & { added: number; events: number }> {
  const last = await audit.lastLink();
  let hash = last?.hash ?? GENESIS;
  let position = last?.position ?? START;
  let seq = last ? last.seq + 1 : 0;
  let added = 0;
  let pending: ChainLink[] = [];
  for await (const e of store.readAll({ fromPosition: position })) {
    if (options.upToPosition !== undefined && comparePositions(e.position, options.upToPosition) > 0) break;
    hash = linkHash(hash, e);
    position = e.position;
    pending.push({ seq: seq++, position, hash });
    if (pending.length >= BATCH) {
      await audit.appendLinks(pending);
      added += pending.length;
      pending = [];
    }
  }
  await audit.appendLinks(pending);
  added += pending.length;
  return { position, hash, added, events: seq };
}

/** Records the chain up to the head and anchors the head: what `audit anchor` and the monthly close do. */
export async function anchorChain(
  store: EventStore,
  audit: AnchorStorePort,
  options: { reason: AnchorReason; upToPosition?: string; now?: () => Date },
): Promise<Anchor> {
  const head = await recordChain(store, audit, options.upToPosition === undefined ? {} : { upToPosition: options.upToPosition });
  const anchor: Anchor = { position: head.position, hash: head.hash, anchoredAt: (options.now?.() ?? new Date()).toISOString(), reason: options.reason };
  await audit.record(anchor);
  return anchor;
}

/** The monthly close (cutoff on the 25th, docs/domain.md): anchor once on or after the 25th of each month, in the business zone. */
export function isMonthlyClose(now: Date, anchors: readonly Anchor[], offsetMinutes = 480): boolean {
  const local = new Date(now.getTime() + offsetMinutes * 60_000);
  if (local.getUTCDate() < 25) return false;
  const month = local.toISOString().slice(0, 7);
  return !anchors.some((a) => a.reason === 'monthly_close' && new Date(Date.parse(a.anchoredAt) + offsetMinutes * 60_000).toISOString().slice(0, 7) === month);
}

/**
 * Tamper evidence kept current: extends the recorded chain over new events every few seconds and anchors its head at
 * each monthly close. Started by the projector's process entry beside the projector (under the chain lease: one
 * recorder per cluster); it owns `audit` and closes it on stop.
 */
export function startChainRecorder(store: EventStore, audit: AnchorStorePort, logger: Logger, options: { everyMs?: number; offsetMinutes?: number } = {}): { stop(): Promise<void> } {
  let chaining = Promise.resolve();
  const chain = () => {
    chaining = chaining
      .then(async () => {
        await recordChain(store, audit);
        if (isMonthlyClose(new Date(), await audit.list(), options.offsetMinutes)) {
          const anchor = await anchorChain(store, audit, { reason: 'monthly_close' });
          logger.info({ anchor }, 'monthly close: chain head anchored');
        }
      })
      .catch((err: unknown) => logger.error({ err }, 'recording the hash chain failed'));
    return chaining;
  };
  const timer = setInterval(() => void chain(), options.everyMs ?? 5_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await chain();
      await audit.close();
    },
  };
}

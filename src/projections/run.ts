import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import { isMain, runMain, type Service } from '../config/main';
import { openEventStore } from '../events/store';
import { LedgerDb } from './ledger-db';
import { LEDGERS } from './ledgers';
import { Projector } from './projector';
import { AnchorStore, anchorChain, recordChain, type Anchor } from '../audit/chain';

/** The monthly close (cutoff on the 25th, DOMAIN.md): anchor once on or after the 25th of each month, Shanghai time. */
export function isMonthlyClose(now: Date, anchors: readonly Anchor[], offsetMinutes = 480): boolean {
  const local = new Date(now.getTime() + offsetMinutes * 60_000);
  if (local.getUTCDate() < 25) return false;
  const month = local.toISOString().slice(0, 7);
  return !anchors.some((a) => a.reason === 'monthly_close' && new Date(Date.parse(a.anchoredAt) + offsetMinutes * 60_000).toISOString().slice(0, 7) === month);
}

/** Starts the projector process: `$all` from the checkpoint into DATA_DIR/ledger.db. */
export async function startProjector(config: Config, logger: Logger): Promise<Service & { projector: Projector }> {
  const store = await openEventStore(config);
  const ledgers = new LedgerDb(config.ledgerDbPath, LEDGERS);
  const projector = new Projector(store, ledgers, { batchSize: config.PROJECTOR_BATCH_SIZE, logger });
  projector.start();
  // Tamper evidence: extend the hash chain over new events every few seconds; anchor its head at each monthly close.
  const audit = new AnchorStore(config.auditDbPath);
  let chaining = Promise.resolve();
  const chain = () => {
    chaining = chaining
      .then(async () => {
        await recordChain(store, audit);
        if (isMonthlyClose(new Date(), audit.list())) {
          const anchor = await anchorChain(store, audit, { reason: 'monthly_close' });
          logger.info({ anchor }, 'monthly close: chain head anchored');
        }
      })
      .catch((err: unknown) => logger.error({ err }, 'recording the hash chain failed'));
    return chaining;
  };
  const chainTimer = setInterval(chain, 5_000);
  chainTimer.unref();
  const report = setInterval(() => {
    projector.lag().then(
      (lag) => logger.info({ lag }, 'projector lag'),
      () => undefined,
    );
  }, 60_000);
  report.unref();
  return {
    projector,
    done: projector.done,
    async stop() {
      clearInterval(report);
      clearInterval(chainTimer);
      await projector.stop();
      await chain();
      audit.close();
      ledgers.close();
      await store.close();
    },
  };
}

if (isMain(import.meta.url)) await runMain('projector', startProjector);

import type { Logger } from 'pino';
import { openLedgers } from '../audit/rebuild';
import { startChainRecorder } from '../audit/recorder';
import { displayZone, eventStoreOptions, type Config } from '../config/config';
import { isMain, runMain, type Service } from '../config/main';
import { openEventStore } from '../events/store';
import { LEDGERS } from '../projections/ledgers';
import { Projector } from '../projections/projector';

/**
 * The projector process: `$all` from the checkpoint into DATA_DIR/ledger.db (rebuilt first when its ledger
 * definition changed), and beside it the audit layer's chain
 * recorder (tamper evidence, anchored at each monthly close).
 */
export async function startProjector(config: Config, logger: Logger): Promise<Service & { projector: Projector }> {
  const store = await openEventStore(eventStoreOptions(config));
  // A missing file, or ledgers of another definition, are rebuilt beside it and swapped in before the projector follows on.
  const ledgers = await openLedgers(store, config.ledgerDbPath, LEDGERS, { onProgress: (p) => p.eventsRead % 100_000 === 0 && logger.info(p, 'rebuilding the ledgers') });
  const projector = new Projector(store, ledgers, { batchSize: config.PROJECTOR_BATCH_SIZE, logger });
  projector.start();
  const recorder = startChainRecorder(store, config.auditDbPath, logger, { offsetMinutes: displayZone(config).offsetMinutes });
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
      await projector.stop();
      await recorder.stop();
      ledgers.close();
      await store.close();
    },
  };
}

if (isMain(import.meta.url)) await runMain('projector', startProjector);

import type { Logger } from 'pino';
import { openAnchorStore } from '../audit/anchors';
import { startChainRecorder } from '../audit/recorder';
import { displayZone, eventStoreOptions, type Config } from '../config/config';
import { isMain, runMain, type Service } from '../config/main';
import { openEventStore } from '../events/store';
import { LedgerDb } from '../projections/ledger-db';
import { LEDGERS } from '../projections/ledgers';
import { Projector } from '../projections/projector';
import { leaseFor, runExclusively } from '../support/lease';
import { restrictNewFiles, securePrivateDataDir } from '../support/private-files';

/**
 * The projector process: `$all` from the checkpoint into DATA_DIR/ledger.db, and beside it the audit layer's chain
 * recorder (tamper evidence, anchored at each monthly close). Every node projects its own ledgers; the recorder runs on
 * the one node holding the chain lease (the record is shared in PostgreSQL then).
 */
export async function startProjector(config: Config, logger: Logger): Promise<Service & { projector: Projector }> {
  securePrivateDataDir(config.dataDir, logger);
  const store = await openEventStore(eventStoreOptions(config));
  const ledgers = new LedgerDb(config.ledgerDbPath, LEDGERS);
  const projector = new Projector(store, ledgers, { batchSize: config.PROJECTOR_BATCH_SIZE, logger });
  projector.start();
  const recorder = runExclusively(
    leaseFor('chain', config, config.TAIZHANG_NODE),
    async () => startChainRecorder(store, await openAnchorStore(config), logger, { offsetMinutes: displayZone(config).offsetMinutes }),
    logger,
  );
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

if (isMain(import.meta.url)) {
  restrictNewFiles();
  await runMain('projector', startProjector);
}

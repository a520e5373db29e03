import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import { isMain, runMain, type Service } from '../config/main';
import { openEventStore } from '../events/store';
import { LedgerDb } from './ledger-db';
import { LEDGERS } from './ledgers';
import { Projector } from './projector';

/** Starts the projector process: `$all` from the checkpoint into DATA_DIR/ledger.db. */
export async function startProjector(config: Config, logger: Logger): Promise<Service & { projector: Projector }> {
  const store = await openEventStore(config);
  const ledgers = new LedgerDb(config.ledgerDbPath, LEDGERS);
  const projector = new Projector(store, ledgers, { batchSize: config.PROJECTOR_BATCH_SIZE, logger });
  projector.start();
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
      ledgers.close();
      await store.close();
    },
  };
}

if (isMain(import.meta.url)) await runMain('projector', startProjector);

import { loadDirectory } from '../config/directory';
import type { Logger } from 'pino';
import { buildApp } from '../api/app';
import { openAnchorStore } from '../audit/anchors';
import { TemporalGateway } from '../api/gateway';
import { SurveySchedules } from '../api/schedules';
import { displayZone, eventStoreOptions, surveyLinkSettings, uiOrigins, type Config } from '../config/config';
import { isMain, runMain, type Service } from '../config/main';
import { loadPolicy, policyInForce, warnCalendarCoverage } from '../config/policy';
import { openEventStore } from '../events/store';
import { allLedgers } from '../projections/ledgers';
import { LedgerReader } from '../projections/reader';
import { leaseFor, runExclusively, type Work } from '../support/lease';
import { announcedMetrics } from '../support/metrics-server';
import { restrictNewFiles, securePrivateDataDir } from '../support/private-files';
import { connectClient } from '../temporal';
import { loadKeys } from '../config/keys';
import { AesGcmPayloadCodec } from '../support/codec';
import { SqliteDataKeyStore } from '../events/keys/data-keys';
import { PiiCipher } from '../events/keys/cipher';

const RECONCILE_EVERY_MS = 6 * 60 * 60_000;

/** Ensures the schedules now (retrying with backoff until Temporal answers), then every RECONCILE_EVERY_MS, until stopped. */
function reconcileSchedules(schedules: SurveySchedules, logger: Logger): Work {
  let stopping = false;
  let wake: () => void = () => undefined;
  const pause = (ms: number) =>
    new Promise<void>((r) => {
      const timer = setTimeout(r, ms);
      wake = () => (clearTimeout(timer), r());
    });
  const running = (async () => {
    while (!stopping) {
      for (let delay = 1000; !stopping; delay = Math.min(delay * 2, 30_000)) {
        try {
          await schedules.ensure(logger);
          break;
        } catch (err) {
          logger.warn({ err: (err as Error).message, retryInMs: delay }, 'survey schedules not ensured yet; retrying');
          await pause(delay);
        }
      }
      if (!stopping) await pause(RECONCILE_EVERY_MS);
    }
  })();
  return {
    async stop() {
      stopping = true;
      wake();
      await running;
    },
  };
}

/** The HTTP API process. */
export async function startApi(config: Config, logger: Logger): Promise<Service & { url: string }> {
  securePrivateDataDir(config.dataDir, logger);
  if (config.tokens.length === 0) logger.warn('no API tokens configured (TAIZHANG_TOKENS / TAIZHANG_TOKENS_FILE): every request except /healthz will get 401');
  const policy = loadPolicy(config);
  const store = await openEventStore(eventStoreOptions(config));
  // On the calendar in force: a year whose notice was imported (taizhang calendar import) is not warned of.
  warnCalendarCoverage(await policyInForce(policy, store), logger);
  // The API signs every command with the command key and encrypts every payload (the worker holds the same keys).
  const keys = loadKeys(config);
  const codec = new AesGcmPayloadCodec(keys.payloadKeys);
  const client = await connectClient(config, logger, undefined, { payloadCodecs: [codec] });
  // Personal fields are sealed with their customer's data key: opened for the moment they are read.
  const dataKeys = new SqliteDataKeyStore(config.customerKeysDbPath, keys.dataKeyWrap);
  const pii = new PiiCipher(dataKeys);
  const ledgers = new LedgerReader(config.ledgerDbPath, allLedgers(displayZone(config).offsetMinutes), pii);
  // The survey cycles' schedules, created or brought up to date by one API per cluster (the schedules lease): at once
  // (retried until Temporal answers), then every 6 hours, which also extends the listed rounds.
  const schedules = new SurveySchedules(client, config.TEMPORAL_TASK_QUEUE, policy, keys.commandKeys[0], store);
  const reconciling = runExclusively(leaseFor('schedules', config, config.TAIZHANG_NODE), () => reconcileSchedules(schedules, logger), logger);
  const directory = loadDirectory(config.TAIZHANG_DIRECTORY_FILE);
  const app = await buildApp({
    schedules,
    directory,
    config,
    logger,
    gateway: new TemporalGateway(client, config.TEMPORAL_TASK_QUEUE, { store, policy, commandKeys: keys.commandKeys, pii, directory }),
    codec,
    pii,
    uiOrigins: uiOrigins(config),
    store,
    ledgers,
    policy,
    timeZone: config.TAIZHANG_TIME_ZONE,
    auditDbPath: config.auditDbPath,
    openAnchors: (options) => openAnchorStore(config, options),
    accessLogPath: `${config.dataDir}/access.db`,
    rateLimitPerMinute: config.TAIZHANG_RATE_LIMIT,
    links: surveyLinkSettings(config),
    metrics: {
      token: config.TAIZHANG_METRICS_TOKEN,
      // The worker on this host says where its metrics are (DATA_DIR/run/worker-metrics.json), read at each scrape.
      ...(config.TAIZHANG_WORKER_METRICS_URL === 'off' ? {} : { worker: { url: () => config.TAIZHANG_WORKER_METRICS_URL ?? announcedMetrics(config.workerMetricsFile) } }),
    },
  });
  await app.listen({ host: config.HOST, port: config.PORT });
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  return {
    url: config.apiUrl,
    done,
    async stop() {
      await reconciling.stop();
      await app.close();
      ledgers.close();
      dataKeys.close();
      await client.connection.close();
      await store.close();
      resolveDone();
    },
  };
}

if (isMain(import.meta.url)) {
  restrictNewFiles();
  await runMain('api', startApi);
}

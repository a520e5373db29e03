import { DefaultLogger, Runtime, type LogLevel, type RuntimeOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { freeLoopbackPort, localUrl, parseAddress } from '../support/metrics-server';
import { redact } from './logger';

export interface RuntimeTelemetry {
  /** Where the SDK's own Prometheus exporter answers (workflow task latency, sticky cache, slots), when it runs. */
  sdkMetricsUrl?: string;
}

let installed: RuntimeTelemetry | undefined;

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
/** The SDK's own logs through pino (with personal data redacted). */
const runtimeLogger = (logger: Logger) =>
  new DefaultLogger('INFO', (entry) => {
    logger[levels[entry.level]](redact(entry.meta ?? {}) as object, entry.message);
  });

const prometheus = (bindAddress: string): RuntimeOptions['telemetryOptions'] => ({
  // Durations in seconds and counters ending in _total, as Prometheus names them.
  metrics: { prometheus: { bindAddress, useSecondsForDurations: true, countersTotalSuffix: true, unitSuffix: true } },
});

/** Routes the SDK's own logs through pino (with personal data redacted); no metrics. Once per process. */
export function installRuntimeLogger(logger: Logger): void {
  if (installed) return;
  Runtime.install({ logger: runtimeLogger(logger) });
  installed = {};
}

/**
 * The SDK runtime with its logs through pino and, unless `metricsAddress` is `off`, its Prometheus exporter on that
 * `host:port` (port 0: a free loopback port chosen now, since the exporter cannot report the one it took). An
 * address already taken costs the metrics, not the worker: the runtime then runs without them, with a warning.
 * Once per process: when the runtime is already installed (tests install it first), this is what it has.
 */
export async function installRuntime(logger: Logger, options: { metricsAddress?: string } = {}): Promise<RuntimeTelemetry> {
  if (installed) return installed;
  const address = options.metricsAddress ?? 'off';
  if (address === 'off') {
    installRuntimeLogger(logger);
    return installed!;
  }
  const { host, port } = parseAddress(address);
  for (let attempt = 1; ; attempt++) {
    const chosen = port === 0 ? await freeLoopbackPort(host) : port;
    if (installed) return installed; // installed by someone else while the port was being chosen
    try {
      Runtime.install({ logger: runtimeLogger(logger), telemetryOptions: prometheus(`${host.includes(':') ? `[${host}]` : host}:${chosen}`) });
      installed = { sdkMetricsUrl: localUrl(host, chosen) };
      return installed;
    } catch (err) {
      // Another process took the free port between the probe and the bind: pick another once more.
      if (port === 0 && attempt < 3) continue;
      logger.warn({ err: (err as Error).message, bindAddress: address }, 'the Temporal SDK metrics exporter could not start; the worker runs without the SDK metrics');
      installRuntimeLogger(logger);
      return installed!;
    }
  }
}

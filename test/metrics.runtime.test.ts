import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Runtime } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/config/logger';
import { installRuntime } from '../src/config/runtime';

/** The SDK runtime is one per process: this file installs it once, on a taken address (the exporter's own success is in test/api/metrics.test.ts). */
describe('the SDK runtime with its Prometheus exporter', () => {
  it('a taken address costs the SDK metrics, not the worker: the runtime runs without them, with a warning', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    let out = '';
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({
        write(chunk: Buffer, _enc, cb) {
          out += chunk.toString();
          cb();
        },
      }),
    });
    try {
      const telemetry = await installRuntime(logger, { metricsAddress: `127.0.0.1:${port}` });
      expect(telemetry).toEqual({});
      expect(out).toContain('the Temporal SDK metrics exporter could not start');
      expect(out).toContain(`127.0.0.1:${port}`);
      expect(Runtime.instance()).toBeDefined();
      // Once per process: asking again gives what is installed.
      expect(await installRuntime(logger, { metricsAddress: '127.0.0.1:0' })).toBe(telemetry);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});

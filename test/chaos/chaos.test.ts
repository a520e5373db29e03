import { describe, expect, it } from 'vitest';
import { runChaos } from '../../bench/chaos/harness';

/** The short version of `npm run chaos`: real processes killed with SIGKILL, every guarantee checked afterwards. */
describe('chaos (short run)', () => {
  it('files complaints while killing the worker, the projector and Temporal: zero violations', async () => {
    const summary = await runChaos({ complaints: 10, kills: 4, seconds: 12, seed: 20261123, log: () => undefined });
    console.info(`chaos: ${JSON.stringify(summary)}`);
    expect(summary.violations).toEqual([]);
    expect(summary.acknowledged).toBe(10);
    expect(summary.escalations).toBe(60);
    // Every notification arrived; a copy only for a send a kill cut off (sent again with the same key).
    expect(summary.keysReceived).toBe(summary.notificationsIssued);
    expect(summary.emailsReceived - summary.notificationsIssued).toBeLessThanOrEqual(summary.notificationsResent);
    expect(Object.values(summary.kills).reduce((a, b) => a + b, 0)).toBe(4);
  }, 120_000);
});

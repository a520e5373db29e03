import { proxyActivities, sleep } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(target: number): Promise<number> }>({ startToCloseTimeout: '10s' });

/** Temporal's own floor: sleep to each instant, then run a no-op activity that reports how late it started. */
export async function floorWorkflow(targets: number[]): Promise<number[]> {
  const late: number[] = [];
  for (const t of targets) {
    const wait = t - Date.now();
    if (wait > 0) await sleep(wait);
    late.push(await noop(t));
  }
  return late;
}

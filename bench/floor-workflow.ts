import { proxyLocalActivities, sleep } from '@temporalio/workflow';

// A local activity, as the alarms of a process append theirs: the floor has the same round trips as the product.
const { noop } = proxyLocalActivities<{ noop(target: number): Promise<number> }>({ startToCloseTimeout: '10s' });

/** How late each instant was seen: by the workflow clock (its task's start) and by the no-op activity's start. */
export interface FloorLateness {
  clock: number[];
  activity: number[];
}

/** Temporal's own floor: sleep to each instant, then run a no-op local activity that reports how late it started. */
export async function floorWorkflow(targets: number[]): Promise<FloorLateness> {
  const late: FloorLateness = { clock: [], activity: [] };
  for (const t of targets) {
    const wait = t - Date.now();
    if (wait > 0) await sleep(wait);
    late.clock.push(Date.now() - t);
    late.activity.push(await noop(t));
  }
  return late;
}

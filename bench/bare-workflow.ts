import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

/** The update the bare peer receives: the same payload shape as a complaint's `receive` (data and meta). */
export const bareReceive = defineUpdate<{ accepted: boolean }, [{ data: unknown; meta: unknown }]>('receive');

/**
 * Temporal's own floor for intake: no domain code, no event store. Its update handler returns at once; then it waits
 * on a durable timer and for further commands, as an open complaint does.
 */
export async function bareWorkflow(): Promise<void> {
  let commands = 0;
  setHandler(bareReceive, () => {
    commands++;
    return { accepted: true };
  });
  for (;;) {
    const seen = commands;
    await condition(() => commands !== seen, '1 day');
  }
}

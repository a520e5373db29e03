import type { Command } from 'commander';
import { CATEGORIES, CHANNELS, CUSTOMER_TYPES, GRADES, SEVERITIES } from '../../domain/enums';
import { apiClient, CliError, withClientOptions, type ClientOptions } from '../context';

/** `taizhang dev seed`: customers and complaints through the real write path (the API). */
export function registerDevCommands(program: Command): void {
  const dev = program.command('dev').description('tools for demos, tests and benchmarks');
  withClientOptions(
    dev
      .command('seed')
      .description('create customers and complaints through the real write path (the API)')
      .option('--customers <n>', 'customers to register', '100')
      .option('--complaints <n>', 'complaints to receive', '0')
      .option('--concurrency <n>', 'requests in flight', '8')
      .option('--run <id>', 'run id, so a repeated seed with the same id creates nothing twice'),
  ).action(async (opts: ClientOptions & { customers: string; complaints: string; concurrency: string; run?: string }) => {
    const client = apiClient(opts);
    const run = opts.run ?? Date.now().toString(36);
    const counts = { customers: Number(opts.customers), complaints: Number(opts.complaints), concurrency: Math.max(1, Number(opts.concurrency)) };
    for (const [k, v] of Object.entries(counts)) if (!Number.isInteger(v) || v < 0) throw new CliError(`--${k}: must be a whole number ≥ 0`);
    const started = Date.now();
    const pool = async (n: number, task: (i: number) => Promise<void>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(counts.concurrency, n) }, async () => {
          while (next < n) await task(next++);
        }),
      );
    };
    const customerIds: string[] = [];
    await pool(counts.customers, async (i) => {
      const r = await client.request<{ customerId: string; position: string }>(
        'POST',
        '/customers',
        { customerId: `S${run}c${i}`, name: `示例客户${i}`, phone: `138${String(i).padStart(8, '0')}`, type: CUSTOMER_TYPES[i % 3], importance: i % 10 === 0 ? 'key' : 'ordinary', grade: GRADES[i % 4] },
        { 'idempotency-key': `seed-${run}-customer-${i}` },
      );
      customerIds.push(r.customerId);
    });
    if (counts.complaints > 0 && customerIds.length === 0) throw new CliError('--complaints needs --customers > 0');
    // A complaint reads its customer's class from the customer's own stream: no need to wait for the ledgers.
    await pool(counts.complaints, async (i) => {
      await client.request(
        'POST',
        '/complaints',
        { complaintId: `S${run}k${i}`, customerId: customerIds[i % customerIds.length], channel: CHANNELS[i % CHANNELS.length], category: CATEGORIES[i % CATEGORIES.length], severity: SEVERITIES[i % SEVERITIES.length], summary: `示例投诉 ${i}` },
        { 'idempotency-key': `seed-${run}-complaint-${i}` },
      );
    });
    process.stdout.write(`seeded ${counts.customers} customers and ${counts.complaints} complaints in ${((Date.now() - started) / 1000).toFixed(1)} s (run ${run})\n`);
  });
}

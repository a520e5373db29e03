import type { Command } from 'commander';
import { CATEGORIES, CHANNELS, CUSTOMER_TYPES, GRADES, SEVERITIES } from '../../domain/enums';
import { ApiClient } from '../client';
import { apiClient, CliError, config, withClientOptions, type ClientOptions } from '../context';

/**
 * `taizhang dev seed`: customers and complaints through the real write path (the API). Customer master data is
 * maker-checker: each registration is approved by a checker (a different person), so the demo has registered customers;
 * key accounts are designated too when two sales VPs have local tokens.
 */
export function registerDevCommands(program: Command): void {
  const dev = program.command('dev').description('tools for demos, tests and benchmarks');
  withClientOptions(
    dev
      .command('seed')
      .description('create customers and complaints through the real write path (the API)')
      .option('--customers <n>', 'customers to register', '100')
      .option('--complaints <n>', 'complaints to receive', '0')
      .option('--concurrency <n>', 'requests in flight', '8')
      .option('--run <id>', 'run id, so a repeated seed with the same id creates nothing twice')
      .option('--checker <actor-or-role>', 'who approves the registrations (maker-checker), with their local token', 'checker')
      .option('--checker-token <token>', 'bearer token of the approving checker (default: the --checker person\'s local token)')
      .option('--vps <actors>', 'two sales VPs who approve the key-account designations, with their local tokens', 'liu.yang,ma.li'),
  ).action(async (opts: ClientOptions & { customers: string; complaints: string; concurrency: string; run?: string; checker: string; checkerToken?: string; vps: string }) => {
    const client = apiClient(opts);
    const cfg = await config();
    const { localToken } = await import('../tokens');
    const clientOf = (token: string | undefined) => (token ? new ApiClient(opts.url ?? cfg.apiUrl, token) : undefined);
    const checker = clientOf(opts.checkerToken ?? localToken(cfg.dataDir, opts.checker));
    if (!checker && Number(opts.customers) > 0) throw new CliError(`no token for the checker "${opts.checker}": pass --checker-token, or run \`npm start\` once so ${cfg.dataDir}/tokens.json exists (every registration needs a checker's approval)`);
    const vpTokens = opts.vps.split(',').map((v) => v.trim()).filter(Boolean).map((v) => localToken(cfg.dataDir, v));
    const vps = vpTokens.length === 2 && vpTokens.every(Boolean) ? vpTokens.map((t) => clientOf(t)!) : [];
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
    let designated = 0;
    await pool(counts.customers, async (i) => {
      const key = i % 10 === 0;
      const r = await client.request<{ customerId: string; position: string }>(
        'POST',
        '/customers',
        { customerId: `S${run}c${i}`, name: `示例客户${i}`, phone: `138${String(i).padStart(8, '0')}`, type: CUSTOMER_TYPES[i % 3], importance: key ? 'key' : 'ordinary', grade: GRADES[i % 4] },
        { 'idempotency-key': `seed-${run}-customer-${i}` },
      );
      // The registration is change 1 of the new customer, a key-account designation beside it change 2.
      const approve = (c: ApiClient, change: number, who: string) =>
        c.request('POST', `/customers/${encodeURIComponent(r.customerId)}/approve`, { changeId: `${r.customerId}-${change}` }, { 'idempotency-key': `seed-${run}-approve-${i}-${change}-${who}` });
      await approve(checker!, 1, 'checker');
      if (key && vps.length === 2) {
        for (const [n, vp] of vps.entries()) await approve(vp, 2, `vp${n}`);
        designated++;
      }
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
    const pendingKeys = Math.ceil(counts.customers / 10) - designated;
    process.stdout.write(
      `seeded ${counts.customers} customers and ${counts.complaints} complaints in ${((Date.now() - started) / 1000).toFixed(1)} s (run ${run})` +
        `${pendingKeys > 0 ? `; ${pendingKeys} key-account designations await two sales VPs` : ''}\n`,
    );
  });
}

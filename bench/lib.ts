import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventEnvelope } from '../src/events/envelope';

/** One line of `npm run bench` output. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  peer?: string;
  peer_value?: number;
  ratio?: number;
  [extra: string]: unknown;
}

export const emit = (f: Figure): void => {
  const rounded = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100);
  process.stdout.write(JSON.stringify({ ...f, value: rounded(f.value), ...(f.peer_value !== undefined ? { peer_value: rounded(f.peer_value) } : {}), ...(f.ratio !== undefined ? { ratio: rounded(f.ratio) } : {}) }) + '\n');
};

/** A progress line on stderr (stdout carries only figures). */
export const note = (message: string): void => {
  process.stderr.write(`bench: ${message}\n`);
};

export const scale = process.env.BENCH_SCALE === 'small' ? 0.1 : 1;
export const scaled = (n: number) => Math.max(1, Math.round(n * scale));
const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
/** A temporary directory, removed when the benchmark process exits. */
export const benchDir = (name: string) => {
  const d = mkdtempSync(path.join(tmpdir(), `taizhang-bench-${name}-`));
  made.push(d);
  return d;
};

export function percentiles(values: number[]): { p50: number; p90: number; p95: number; p99: number; max: number; min: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
  return { p50: at(50), p90: at(90), p95: at(95), p99: at(99), max: s[s.length - 1] ?? NaN, min: s[0] ?? NaN };
}

/** The event every append benchmark writes: a complaint acknowledgement of realistic size. */
export function sampleEnvelope(i: number): EventEnvelope {
  return {
    id: randomUUID(),
    type: 'ComplaintAcknowledged',
    data: { complaintId: `K${i}`, note: '已致电客户，说明处理进度', onTime: true },
    metadata: {
      actor: 'agent-1',
      role: 'agent',
      occurredAt: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
      correlationId: `c-${i}`,
      causationId: `u-${i}`,
      workflowId: `complaint-K${i}`,
      runId: 'bench',
      schemaVersion: 1,
    },
  };
}

/** Runs `fn` repeatedly for about `ms` and returns operations per second. */
export async function rate(ms: number, fn: () => Promise<number> | number): Promise<{ perSecond: number; ops: number }> {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < ms) ops += await fn();
  return { perSecond: ops / ((performance.now() - start) / 1000), ops };
}

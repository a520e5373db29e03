import { Connection } from '@temporalio/client';
import type { RecordedEvent } from '../../src/events/envelope';
import type { EventStore } from '../../src/events/store/port';
import type { SmtpInbox } from './smtp';
import { scheduledInstantOf } from '../../src/support/metrics-alarms';

/** What both chaos runs (one node, and the cluster) check once the kills are over. */

/** A small deterministic PRNG (mulberry32), so a run can be repeated with its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every complaint nobody answers escalates at each level of both deadlines, once (compressed policy: within 30 s). */
export const EXPECTED_LADDER = ['first_response:1', 'first_response:2', 'first_response:3', 'resolution:1', 'resolution:2', 'resolution:3'];

export const ladderOf = (events: readonly RecordedEvent[]): string[] =>
  events.filter((e) => e.type === 'ComplaintEscalated').map((e) => `${(e.data as { deadline: string }).deadline}:${(e.data as { level: number }).level}`);

export interface Acknowledged {
  complaintId: string;
  eventIds: string[];
}

/** The SMTP server's messages by notification key: how many arrived, under which Message-IDs. */
export function tallyInbox(smtp: SmtpInbox): { count: Map<string, number>; messageIds: Map<string, Set<string>> } {
  const count = new Map<string, number>();
  const messageIds = new Map<string, Set<string>>();
  for (const m of smtp.mail) {
    count.set(m.key, (count.get(m.key) ?? 0) + 1);
    messageIds.set(m.key, (messageIds.get(m.key) ?? new Set()).add(m.messageId));
  }
  return { count, messageIds };
}

export async function readStreams(store: EventStore): Promise<Map<string, RecordedEvent[]>> {
  const byStream = new Map<string, RecordedEvent[]>();
  for await (const e of store.readAll()) byStream.set(e.streamName, [...(byStream.get(e.streamName) ?? []), e]);
  return byStream;
}

/** Reads the store until every acknowledged complaint has its whole ladder and every notification arrived, or `timeoutMs` passes. */
export async function untilSettled(store: EventStore, smtp: SmtpInbox, acknowledged: readonly Acknowledged[], timeoutMs: number): Promise<Map<string, RecordedEvent[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const byStream = await readStreams(store);
    const complete = acknowledged.every((a) => ladderOf(byStream.get(`complaint-${a.complaintId}`) ?? []).length >= EXPECTED_LADDER.length);
    const issued = [...byStream.values()].flat().filter((e) => e.type === 'NotificationIssued').length;
    if ((complete && tallyInbox(smtp).count.size >= issued) || Date.now() > deadline) return byStream;
    await sleep(1000);
  }
}

/**
 * The guarantees: no event twice, no gap in a stream, every acknowledged event present, one complaint per filing,
 * each ladder exactly once; every issued notification arrived, more than once only when a crash cut its send off
 * (`resent`), always under one Message-ID, and nothing arrived that was not issued.
 */
export function violationsOf(byStream: ReadonlyMap<string, readonly RecordedEvent[]>, acknowledged: readonly Acknowledged[], smtp: SmtpInbox, resent: ReadonlySet<string>): { violations: string[]; issued: string[] } {
  const violations: string[] = [];
  const all = [...byStream.values()].flat();
  const ids = new Map<string, number>();
  for (const e of all) ids.set(e.id, (ids.get(e.id) ?? 0) + 1);
  for (const [id, n] of ids) if (n > 1) violations.push(`event id ${id} appears ${n} times`);
  for (const [stream, events] of byStream) events.forEach((e, i) => e.revision !== i && violations.push(`stream ${stream} has revision ${e.revision} at index ${i} (gap or reorder)`));
  const received = all.filter((e) => e.type === 'ComplaintReceived').length;
  if (received !== acknowledged.length) violations.push(`${received} ComplaintReceived events for ${acknowledged.length} complaints filed (a retried filing made a second complaint, or one was lost)`);
  for (const a of acknowledged) {
    const events = byStream.get(`complaint-${a.complaintId}`) ?? [];
    for (const id of a.eventIds) if (!events.some((e) => e.id === id)) violations.push(`acknowledged event ${id} of complaint ${a.complaintId} is missing`);
    const ladder = ladderOf(events).sort();
    if (JSON.stringify(ladder) !== JSON.stringify(EXPECTED_LADDER)) violations.push(`complaint ${a.complaintId} escalations ${JSON.stringify(ladder)}, expected each of ${EXPECTED_LADDER.join(', ')} once`);
  }
  const issued = all.filter((e) => e.type === 'NotificationIssued').map((e) => (e.data as { key: string }).key);
  const inbox = tallyInbox(smtp);
  for (const key of issued) {
    const n = inbox.count.get(key) ?? 0;
    if (n === 0) violations.push(`notification ${key} never arrived`);
    if (n > 1 && !resent.has(key)) violations.push(`notification ${key} arrived ${n} times but was sent once`);
    if ((inbox.messageIds.get(key)?.size ?? 0) > 1) violations.push(`notification ${key} arrived with ${inbox.messageIds.get(key)!.size} different Message-IDs`);
  }
  const issuedSet = new Set(issued);
  for (const key of inbox.count.keys()) if (!issuedSet.has(key)) violations.push(`an e-mail with key ${key} was sent but never recorded`);
  return { violations, issued };
}

/** Temporal's default workflow task timeout: a task started on a worker that dies is handed on after it. */
export const WORKFLOW_TASK_TIMEOUT_MS = 10_000;

export interface Kill {
  at: number;
  /** The process killed, e.g. `worker` or `worker-b`. */
  name: string;
  /** For a Temporal kill: measured time from the kill until every probed workflow could be described again. */
  recoveryMs?: number;
}

const quantileOf = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);

/**
 * How late each escalation was (recorded by the store minus the instant it was due), and why. An escalation more than
 * a second late must be explained by a kill before it: its delay past the kill (recorded minus the later of the kill
 * and the due instant) is covered by what that kill costs, plus one second for a workflow task and an append:
 * - a Temporal server: the recovery measured after that kill (the shard takeover, in the cluster), or Temporal's
 *   workflow task timeout for a task that was in flight when the server died and whose completion was lost;
 * - a worker: the workflow task timeout (a task in flight on the dead worker is handed on after it);
 * - a projector or an API node: nothing (timers do not pass through them).
 * It is put down to the latest kill that explains it (or, when none does, to the latest kill before it, and is then a
 * violation, as is a late escalation with no kill in the 20 s before it was due).
 */
export function latenessOf(events: readonly RecordedEvent[], killLog: readonly Kill[]) {
  const escalated = events
    .filter((e) => e.type === 'ComplaintEscalated')
    .map((e) => {
      const recorded = Date.parse(e.recordedAt);
      const due = Date.parse(scheduledInstantOf({ type: e.type, data: e.data } as never) ?? e.recordedAt);
      return { recorded, due, late: recorded - due };
    });
  const sorted = escalated.map((x) => x.late).sort((x, y) => x - y);
  const roleOf = (k: Kill) => k.name.replace(/-[ab]$/, '');
  const cost = (k: Kill) => (roleOf(k) === 'temporal' ? Math.max(k.recoveryMs ?? 0, WORKFLOW_TASK_TIMEOUT_MS) : roleOf(k) === 'worker' ? WORKFLOW_TASK_TIMEOUT_MS : 0) + 1000;
  const byKill: Record<string, { count: number; maxMs: number; maxPastKillMs: number; allowedMs: number }> = {};
  const violations: string[] = [];
  for (const x of escalated.filter((e) => e.late > 1000)) {
    const before = killLog.filter((k) => k.at <= x.recorded && k.at >= x.due - 20_000);
    const pastKill = (k: Kill) => x.recorded - Math.max(k.at, x.due);
    const kill = before.filter((k) => pastKill(k) <= cost(k)).at(-1) ?? before.at(-1);
    const role = kill ? roleOf(kill) : 'no kill';
    const c = (byKill[role] ??= { count: 0, maxMs: 0, maxPastKillMs: 0, allowedMs: 0 });
    c.count++;
    c.maxMs = Math.max(c.maxMs, x.late);
    if (kill) {
      c.maxPastKillMs = Math.max(c.maxPastKillMs, pastKill(kill));
      c.allowedMs = Math.max(c.allowedMs, cost(kill));
    }
    if (!kill) violations.push(`an escalation recorded at ${new Date(x.recorded).toISOString()} was ${x.late} ms late with no kill before it`);
    else if (pastKill(kill) > cost(kill)) violations.push(`an escalation recorded at ${new Date(x.recorded).toISOString()} came ${pastKill(kill)} ms after the kill of ${kill.name}, more than the ${cost(kill)} ms any kill before it explains`);
  }
  return {
    escalationLatenessMs: { p50: quantileOf(sorted, 0.5), p90: quantileOf(sorted, 0.9), p99: quantileOf(sorted, 0.99), max: sorted.at(-1) ?? 0 },
    /** Escalations over a second late, by the kill that explains them: how many, how late, how long after the kill. */
    lateOver1sByKill: byKill,
    violations,
  };
}

/**
 * Measured recovery after a Temporal server is killed: the time from the kill until every probe workflow answers a
 * query through `address` again. A query travels the whole path a timer's workflow task does (frontend, history shard,
 * matching, a worker's poll), so this covers a shard takeover in the cluster and a restart on one node alike.
 */
export async function servedAgain(address: string, probeWorkflowIds: readonly string[], killedAt: number, queryType = 'complaint'): Promise<number> {
  for (;;) {
    const conn = await Connection.connect({ address, connectTimeout: 1000 }).catch(() => undefined);
    try {
      const ok = conn
        ? await Promise.all(
            probeWorkflowIds.map((workflowId) =>
              conn
                .withDeadline(Date.now() + 2000, () => conn.workflowService.queryWorkflow({ namespace: 'default', execution: { workflowId }, query: { queryType } }))
                .then(
                  () => true,
                  () => false,
                ),
            ),
          )
        : [false];
      if (ok.every(Boolean) || Date.now() - killedAt > 300_000) return Date.now() - killedAt;
    } finally {
      await conn?.close().catch(() => undefined);
    }
    await sleep(100);
  }
}

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../src/config/tools';
import { isNotification, type NotificationIssued } from '../src/domain/notifications';
import { DEFAULT_POLICY } from '../src/domain/policy';
import { decideWithNotifications, type Actor, type ProcessDefinition } from '../src/domain/process';
import { parseOrThrow } from '../src/domain/validation';
import type { DomainEvent } from '../src/domain/decider';
import type { EventEnvelope } from '../src/events/envelope';
import { deterministicEventId } from '../src/events/ids';
import { SqliteEventStore } from '../src/events/store/sqlite';
import { changeProcess } from '../src/processes/change';
import { complaintProcess } from '../src/processes/complaint';
import { correctiveProcess } from '../src/processes/corrective';
import { customerProcess } from '../src/processes/customer';
import { enquiryProcess } from '../src/processes/enquiry';
import { surveyProcess } from '../src/processes/survey';
import { benchDir, emit, scaled } from './lib';

// ── realistic histories ──────────────────────────────────────────────────────────────────────

/** One append of one entity's events, at the revision its stream stands at. */
export interface EntityAppend {
  stream: string;
  events: EventEnvelope[];
  expectedRevision: number | 'no_stream';
}

/**
 * One entity driven the way its workflow drives it: input parsed with the command's schema, the command built by its
 * `toCommand` on the default policy's rules, decided with notifications, its state folded; alarms fire at their
 * instants as the workflow's timers would fire them.
 */
class Entity<S = unknown> {
  private state: S;
  private revision = -1;
  private issued = 0;
  private readonly rules: unknown;
  private readonly runId: string;
  readonly stream: string;

  constructor(
    private readonly p: ProcessDefinition<S>,
    readonly id: string,
    private readonly extra: Record<string, unknown> = {},
  ) {
    this.state = p.decider.initialState();
    this.rules = p.rules?.(DEFAULT_POLICY);
    this.stream = `${p.name}-${id}`;
    this.runId = deterministicEventId(this.stream, 'run', this.stream, 0);
  }

  get current(): S {
    return this.state;
  }

  run(action: string, input: Record<string, unknown>, by: Actor, now: string): EntityAppend {
    const spec = this.p.commands[action];
    if (!spec) throw new Error(`${this.p.name} has no command ${action}`);
    const parsed = parseOrThrow(spec.input, input) as Record<string, unknown>;
    const command = spec.toCommand(spec.creates ? { ...parsed, ...this.extra } : parsed, { id: this.id, now, by, state: this.state, rules: this.rules, patched: () => true });
    return this.record(decideWithNotifications(this.p, this.stream, command, this.state, this.issued), by, now, typeof input.reason === 'string' ? input.reason : undefined);
  }

  /** Fires every alarm due at or before `until`, earliest first (each its own append, as in the workflow). */
  fireUntil(until: string): EntityAppend[] {
    const out: EntityAppend[] = [];
    for (;;) {
      const next = this.p.alarms?.(this.state)[0] as { at: string } | undefined;
      if (!next || Date.parse(next.at) > Date.parse(until)) return out;
      const events = decideWithNotifications(this.p, this.stream, { type: 'FireAlarm', now: next.at, alarm: next as never }, this.state, this.issued);
      if (events.length === 0) return out;
      out.push(this.record(events, { actor: 'taizhang', role: 'system' }, next.at, this.p.alarmReason?.(next as never)));
    }
  }

  private record(events: Array<DomainEvent | NotificationIssued>, by: Actor, now: string, reason: string | undefined): EntityAppend {
    const expectedRevision = this.revision < 0 ? ('no_stream' as const) : this.revision;
    // As the workflow records them: one command's events share its metadata (the Update's id as their cause).
    const causationId = deterministicEventId(this.stream, this.runId, 'update', this.revision + 1);
    const envelopes = events.map((e): EventEnvelope => {
      this.revision++;
      if (isNotification(e)) this.issued++;
      else this.state = this.p.decider.evolve(this.state, e);
      return {
        id: deterministicEventId(this.stream, this.runId, this.stream, this.revision),
        type: e.type,
        data: e.data,
        metadata: {
          actor: by.actor,
          role: by.role,
          ...(reason ? { reason } : {}),
          occurredAt: now,
          correlationId: causationId,
          causationId,
          workflowId: this.stream,
          runId: this.runId,
          schemaVersion: 1,
        },
      };
    });
    return { stream: this.stream, events: envelopes, expectedRevision };
  }
}

const agent: Actor = { actor: 'li.na', role: 'agent' };
const other: Actor = { actor: 'wang.qiang', role: 'agent' };
const checker: Actor = { actor: 'xu.he', role: 'checker' };
const supervisor: Actor = { actor: 'zhao.min', role: 'supervisor' };
const panels: Actor[] = [supervisor, { actor: 'he.cai', role: 'finance' }, { actor: 'lin.shi', role: 'marketing' }, { actor: 'guo.zhuan', role: 'expert' }];
const manager: Actor = { actor: 'qian.feng', role: 'manager' };
const performance: Actor = { actor: 'sun.li', role: 'performance' };

const HOUR = 3600_000;
const at = (t: number) => new Date(t).toISOString();
const T0 = Date.parse('2026-03-02T01:00:00.000Z'); // a Monday, 09:00 in Shanghai

/** The steps of one entity's life, each an append (or none), taken one at a time between other entities' steps. */
type Life = Iterator<EntityAppend[]>;

function* customerLife(n: number, start: number): Life {
  const id = `C${n}`;
  const c = new Entity(customerProcess, id);
  const changeOf = (a: EntityAppend) => (a.events.find((e) => e.type === 'CustomerChangeSubmitted')!.data as { changeId: string }).changeId;
  const registration = c.run('register', { customerId: id, name: `客户${n}`, phone: `139${String(n).padStart(8, '0')}`, type: 'owner', grade: n % 3 === 0 ? 'B' : 'C', address: `上海市浦东新区${n}号` }, agent, at(start));
  yield [registration];
  if (n % 7 === 0) yield c.fireUntil(at(start + 30 * HOUR)); // the checker is late: warning, escalation
  yield [c.run('approve', { changeId: changeOf(registration) }, checker, at(start + 31 * HOUR))];
  for (let k = 0; k < 2 + (n % 3); k++) {
    const t = start + (k + 2) * 24 * HOUR;
    const submitted = c.run('updateContact', k % 2 ? { email: `c${n}.${k}@example.com` } : { phone: `137${String(n * 10 + k).padStart(8, '0')}` }, agent, at(t));
    yield [submitted];
    yield [c.run('approve', { changeId: changeOf(submitted) }, checker, at(t + HOUR))];
  }
  if (n % 4 === 0) {
    const profile = c.run('changeProfile', { accountManager: 'wang.qiang' }, agent, at(start + 10 * 24 * HOUR));
    yield [profile];
    yield [c.run('approve', { changeId: changeOf(profile) }, checker, at(start + 10 * 24 * HOUR + HOUR))];
  }
}

function* complaintLife(n: number, customer: number, start: number): Life {
  const id = `K${n}`;
  const k = new Entity(complaintProcess, id, { customerClass: customer % 5 === 0 ? 'key' : 'ordinary' });
  const severity = (['minor', 'normal', 'normal', 'major'] as const)[n % 4]!;
  yield [k.run('receive', { complaintId: id, customerId: `C${customer}`, channel: n % 2 ? 'phone' : 'web', category: 'delivery', severity, summary: `送货延迟，客户${customer}第${n}次反映` }, agent, at(start))];
  let owner = agent;
  if (n % 5 === 0) {
    yield k.fireUntil(at(start + 3 * HOUR)); // acknowledged late: the first-response warning and escalations fire
  }
  yield [k.run('acknowledge', { note: '已致电客户，说明处理进度' }, owner, at(start + 3 * HOUR + 60_000))];
  if (n % 6 === 0) {
    yield [k.run('assign', { to: other.actor, reason: '转交片区负责人' }, supervisor, at(start + 4 * HOUR))];
    owner = other;
  }
  yield [k.run('verify', { findings: '物流延误属实', departments: ['物流部'] }, owner, at(start + 5 * HOUR))];
  yield [k.run('propose', { plan: '道歉并补发', compensation: { amountYuan: 200 } }, owner, at(start + 6 * HOUR))];
  yield [k.run('notify', { result: '已补发并致歉' }, owner, at(start + 24 * HOUR))];
  const negative = n % 8 === 0;
  yield [k.run('followUp', { rating: negative ? 2 : 4, comment: negative ? '仍不满意' : '满意' }, owner, at(start + 48 * HOUR))];
  if (negative) {
    yield [k.run('verify', { findings: '补发件仍有破损', departments: ['物流部', '质检部'] }, owner, at(start + 49 * HOUR))];
    yield [k.run('propose', { plan: '上门处理' }, owner, at(start + 50 * HOUR))];
    yield [k.run('notify', { result: '已上门处理' }, owner, at(start + 72 * HOUR))];
    yield [k.run('followUp', { rating: 5 }, owner, at(start + 96 * HOUR))];
  }
  yield [k.run('close', {}, owner, at(start + 100 * HOUR))];
}

function* enquiryLife(n: number, customer: number, start: number): Life {
  const e = new Entity(enquiryProcess, `E${n}`);
  yield [e.run('receive', { enquiryId: `E${n}`, customerId: `C${customer}`, channel: 'phone', topic: '询问交货时间' }, agent, at(start))];
  yield [e.run('answer', { answer: '预计下周三送达' }, agent, at(start + HOUR))];
  yield [e.run('close', {}, agent, at(start + 2 * HOUR))];
}

function* changeLife(n: number, customer: number, start: number): Life {
  const b = new Entity(changeProcess, `B${n}`, { customerClass: 'ordinary' });
  yield [
    b.run(
      'submit',
      { changeId: `B${n}`, customerId: `C${customer}`, kind: 'delivery_date', description: '交付日期顺延两周', reason: '客户现场未具备安装条件', amount: 10_000 + (n % 40) * 1000, affects: `合同 HT-${n}`, wantedBy: '2026-12-15' },
      agent,
      at(start),
    ),
  ];
  for (const [i, panel] of panels.entries()) yield [b.run('review', { opinion: 'agree' }, panel, at(start + (i + 1) * HOUR))];
  yield [b.run('approve', { reason: '同意调整' }, manager, at(start + 6 * HOUR))];
}

const LEVELS = ['very_satisfied', 'satisfied', 'fairly_satisfied', 'dissatisfied', 'very_dissatisfied'] as const;

/** A special survey round (专项调查) of some customers, their answers, its close, and the corrective action it calls for. */
function* surveyLife(n: number, customers: number, start: number): Life {
  const id = `S${n}`;
  const survey = new Entity(surveyProcess, id);
  const asked = Array.from({ length: 40 }, (_, i) => `C${(n * 37 + i * 11) % Math.max(customers, 1)}`).filter((c, i, all) => all.indexOf(c) === i);
  const dimensions = DEFAULT_POLICY.surveys.questionnaire.dimensions.map((d) => d.key);
  yield [survey.run('open', { surveyId: id, segment: 'special', title: `交货期专项调查 ${n}`, respondents: asked.map((c) => ({ id: c, kind: 'customer' })) }, supervisor, at(start))];
  for (const [i, c] of asked.entries()) {
    const answers = Object.fromEntries(dimensions.map((d, k) => [d, LEVELS[(i + k + n) % (d === 'delivery' ? 5 : 3)]!]));
    yield [survey.run('respond', { respondentId: c, answers, channel: i % 2 ? 'web' : 'paper', ...(i % 3 === 0 ? { comment: '希望缩短交货期' } : {}) }, i % 2 ? { actor: `respondent:${c}`, role: 'respondent' } : supervisor, at(start + (i + 1) * HOUR))];
  }
  yield [survey.run('close', { reason: '样本已足' }, supervisor, at(start + 60 * HOUR))];
  const corrective = new Entity(correctiveProcess, `A${n}`);
  yield [corrective.run('open', { correctiveId: `A${n}`, surveyId: id, dimension: 'delivery', label: '交货期', negatives: { dissatisfied: 8, very_dissatisfied: 8 }, answers: asked.length }, performance, at(start + 61 * HOUR))];
  yield [corrective.run('assign', { owner: other.actor, department: '物流部' }, performance, at(start + 62 * HOUR))];
  yield [corrective.run('plan', { plan: '增加干线班次' }, other, at(start + 70 * HOUR))];
  yield [corrective.run('complete', { summary: '班次已增加' }, other, at(start + 200 * HOUR))];
  yield [corrective.run('verify', { effective: true, note: '交货期投诉下降' }, performance, at(start + 300 * HOUR))];
}

/**
 * Appends of a realistic store: customers registered under maker-checker with later contact changes, complaints
 * through their whole life (some acknowledged late, reassigned or reopened), enquiries, change requests and now and
 * then a survey round with the corrective action it calls for, with the notifications each step calls for; the lives
 * of many entities interleave, as in a running system. Stops at about `events` events.
 */
export function* realisticAppends(events: number): Generator<EntityAppend> {
  let produced = 0;
  let customers = 0;
  let complaints = 0;
  let enquiries = 0;
  let changes = 0;
  let surveys = 0;
  let clock = T0;
  const started = (): Life => {
    clock += 60_000;
    const started = customers + complaints + enquiries + changes + surveys;
    if (customers >= 50 && started % 500 === 499) return surveyLife(surveys++, customers, clock);
    const pick = started % 10;
    const customer = customers > 0 ? (complaints * 7919) % customers : 0;
    if (customers === 0 || pick < 3) return customerLife(customers++, clock);
    if (pick < 8) return complaintLife(complaints++, customer, clock);
    if (pick < 9) return enquiryLife(enquiries++, customer, clock);
    return changeLife(changes++, customer, clock);
  };
  const active: Life[] = Array.from({ length: 64 }, started);
  for (let i = 0; produced < events; i = (i + 1) % active.length) {
    const step = active[i]!.next();
    if (step.done) {
      active[i] = started();
      continue;
    }
    for (const a of step.value) {
      if (a.events.length === 0) continue;
      produced += a.events.length;
      yield a;
    }
  }
}

// ── the benchmark ────────────────────────────────────────────────────────────────────────────

interface ChildResult {
  events: number;
  ms: number;
  cpuMs: number;
  threads: number;
  maxRssMb: number;
  hashes: Array<{ name: string; rows: number; hash: string }>;
}

const child = (mode: 'rebuild' | 'live', file: string): ChildResult => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./rebuild-child.ts', import.meta.url)), mode, file], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult;
};

/**
 * Projection rebuild rate at 100,000 and 1,000,000 events of a realistic store (several processes, every ledger), each
 * rebuild in its own process for its peak memory. The same events are then projected by the live projector in another
 * process, and every table's hash compared: the rebuild must give exactly the live tables.
 */
export function benchRebuild(): void {
  for (const size of [scaled(100_000), scaled(1_000_000)]) {
    const file = path.join(benchDir('rebuild'), 'events.db');
    const store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
    let written = 0;
    store.db.transaction(() => {
      for (const a of realisticAppends(size)) {
        store.appendSync(a.stream, a.events, a.expectedRevision);
        written += a.events.length;
      }
    })();
    store.db.close();
    const rebuilt = child('rebuild', file);
    const live = child('live', file);
    const hashesEqual = rebuilt.hashes.length > 0 && JSON.stringify(rebuilt.hashes) === JSON.stringify(live.hashes);
    emit({
      name: `projection_rebuild_${size}`,
      value: rebuilt.events / (rebuilt.ms / 1000),
      unit: 'events/s',
      peak_rss_mb: Math.round(rebuilt.maxRssMb),
      events: rebuilt.events,
      seconds: Math.round(rebuilt.ms / 100) / 10,
      cpu_seconds: Math.round(rebuilt.cpuMs / 100) / 10,
      threads: rebuilt.threads,
      hashes_equal: hashesEqual,
      rows: Object.fromEntries(rebuilt.hashes.filter((h) => h.rows > 0).map((h) => [h.name, h.rows])),
      live_projector_events_per_s: Math.round(live.events / (live.ms / 1000)),
      detail: `${written} events of customers, complaints, enquiries, change requests, survey rounds and corrective actions with their notifications, as their deciders record them; every table's hash compared with the live projector's tables`,
    });
  }
}

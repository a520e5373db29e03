import { eventLabel, reasonLabel, roleLabel, valueLabel, type Lang } from '../domain/labels';
import { localShort } from '../support/local-time';
import { displayWidth, humanMinutes, wrap, zoneHeading } from './format';

/** What `GET /<collection>/<id>` answers: the process state and the alarms still to come. */
export interface ProcessViewJson {
  streamName: string;
  revision: number;
  state: Record<string, unknown>;
  pendingAlarms: Array<Record<string, unknown>>;
  /** Business minutes until each open deadline (by its key in state), negative once late: on the calendar in force. */
  businessMinutesLeft?: Record<string, number>;
}

/** One entry of `GET /audit/history/<stream>`. */
export interface HistoryEntry {
  revision: number;
  occurredAt: string;
  actor: string;
  actorName?: string;
  role: string;
  reason?: string;
  type: string;
  changes: Array<{ field: string; from?: unknown; to: unknown }>;
}

interface DeadlineLike {
  kind?: string;
  due: string;
  targetMinutes?: number;
  met?: boolean;
  onTime?: boolean | null;
}

const isDeadline = (v: unknown): v is DeadlineLike => !!v && typeof v === 'object' && typeof (v as DeadlineLike).due === 'string' && !Number.isNaN(Date.parse((v as DeadlineLike).due));

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const T = {
  zh: { customer: '客户', state: '状态', owner: '负责人', severity: '严重程度', cls: '服务级别', received: '受理时间', deadlines: '期限', target: '时限', left: '剩余', late: '已超时', met: '已完成', onTime: '按时', notOnTime: '超时完成', level: '升级级别', paused: '暂停中', pausedTotal: '累计暂停（工作时间）', alarms: '待触发提醒', none: '无', warnings: '日历提示', history: '最近记录', by: '操作人', followUp: '回访期限', closed: '（已结束，无待触发提醒）', businessLeft: '剩余工作时间', businessLate: '已超时（工作时间）', wall: '自然时间' },
  en: { customer: 'Customer', state: 'State', owner: 'Owner', severity: 'Severity', cls: 'Customer class', received: 'Received', deadlines: 'Deadlines', target: 'target', left: 'left', late: 'late by', met: 'met', onTime: 'on time', notOnTime: 'late', level: 'Escalation level', paused: 'Paused', pausedTotal: 'Paused in total (business time)', alarms: 'Alarms to come', none: 'none', warnings: 'Calendar', history: 'Recent history', by: 'by', followUp: 'Follow-up due', closed: '(finished: no alarms to come)', businessLeft: 'business time left', businessLate: 'late by (business time)', wall: 'wall clock' },
} as const;

/** A label for a deadline's kind: 首次响应 for first_response … (the escalations ledger's `deadline` codes). */
const deadlineName = (kind: string, lang: Lang) => valueLabel('deadline', kind, lang, 'escalations');

/**
 * How far a deadline is: in business time when the API counted it (`剩余工作时间 3 小时（自然时间 2 天 1 小时）`),
 * otherwise in wall-clock time.
 */
export function deadlineLeft(due: string, businessMinutes: number | undefined, now: number, lang: Lang = 'zh'): string {
  if (businessMinutes === undefined) return timeLeft(due, now, lang);
  const t = T[lang];
  const wall = (Date.parse(due) - now) / 60_000;
  const business = businessMinutes >= 0 ? `${t.businessLeft} ${humanMinutes(businessMinutes, lang)}` : `${t.businessLate} ${humanMinutes(-businessMinutes, lang)}`;
  return `${business}${lang === 'zh' ? '（' : ' ('}${t.wall} ${wall >= 0 ? humanMinutes(wall, lang) : `-${humanMinutes(-wall, lang)}`}${lang === 'zh' ? '）' : ')'}`;
}

/** How far an instant is from now, in wall-clock time: `剩余 2 小时 5 分` or `已超时 1 天 3 小时`. */
export function timeLeft(due: string, now: number, lang: Lang = 'zh'): string {
  const minutes = (Date.parse(due) - now) / 60_000;
  const t = T[lang];
  return minutes >= 0 ? `${t.left} ${humanMinutes(minutes, lang)}` : `${t.late} ${humanMinutes(-minutes, lang)}`;
}

export interface ShowOptions {
  /** The process name (`complaint`): scopes its code labels. */
  process: string;
  /** Its ledger (`complaints`): the status labels are that ledger's. */
  ledger: string;
  title: { zh: string; en: string };
  timeZone: string;
  now?: number;
  lang?: Lang;
  customerName?: string;
  /** The newest entries of its history (the last 5 are shown). */
  history?: readonly HistoryEntry[];
}

/**
 * A process's view as a person reads it: who and what it is about, its state, each deadline in local time with the
 * time left (or how late), escalation, the alarms still to come, calendar warnings and the last five history entries.
 */
export function renderView(view: ProcessViewJson, o: ShowOptions): string {
  const lang = o.lang ?? 'zh';
  const t = T[lang];
  const now = o.now ?? Date.now();
  const s = view.state;
  const at = (i: unknown) => (typeof i === 'string' ? localShort(i, o.timeZone) : '');
  const lines: string[] = [];
  const idKey = Object.keys(s).find((k) => k.endsWith('Id') && k !== 'customerId' && typeof s[k] === 'string');
  const id = idKey ? String(s[idKey]) : view.streamName;
  lines.push(`${o.title[lang]} ${id} ${zoneHeading(o.timeZone, lang)}`);
  const row = (label: string, value: string) => {
    if (value) lines.push(`  ${label}${' '.repeat(Math.max(1, 12 - displayWidth(label)))}${value}`);
  };
  if (typeof s.customerId === 'string') row(t.customer, o.customerName ? `${o.customerName}（${s.customerId}）` : String(s.customerId));
  row(t.state, typeof s.status === 'string' ? valueLabel('status', s.status, lang, o.ledger) : '');
  const owner = (s.ownerName as string | undefined) ?? (typeof s.owner === 'string' ? s.owner : '');
  row(t.owner, owner && s.ownerName && s.owner ? `${owner}（${String(s.owner)}）` : owner);
  if (typeof s.severity === 'string') row(t.severity, valueLabel('severity', s.severity, lang, o.ledger));
  if (typeof s.customerClass === 'string') row(t.cls, valueLabel('customer_class', s.customerClass, lang, o.ledger));
  if (typeof s.receivedAt === 'string') row(t.received, at(s.receivedAt));

  const deadlines = Object.entries(s).filter((e): e is [string, DeadlineLike] => isDeadline(e[1]));
  if (deadlines.length) {
    lines.push(`  ${t.deadlines}`);
    for (const [key, d] of deadlines) {
      const name = deadlineName(d.kind ?? snake(key), lang);
      const target = typeof d.targetMinutes === 'number' ? `${t.target} ${humanMinutes(d.targetMinutes, lang)}` : '';
      const status = d.met ? `${t.met}${d.onTime === true ? `（${t.onTime}）` : d.onTime === false ? `（${t.notOnTime}）` : ''}` : deadlineLeft(d.due, view.businessMinutesLeft?.[key], now, lang);
      lines.push(`    ${name}${' '.repeat(Math.max(1, 14 - displayWidth(name)))}${at(d.due)}  ${[status, target].filter(Boolean).join(lang === 'zh' ? '；' : '; ')}`);
    }
  }
  if (typeof s.followUpDue === 'string') row(t.followUp, `${at(s.followUpDue)}  ${timeLeft(s.followUpDue, now, lang)}`);
  if (typeof s.escalationLevel === 'number') row(t.level, String(s.escalationLevel));
  const paused = s.paused as { since?: string; reason?: string } | null | undefined;
  if (paused && typeof paused === 'object') row(t.paused, `${at(paused.since)}${paused.reason ? ` — ${paused.reason}` : ''}`);
  if (typeof s.pausedBusinessMinutes === 'number' && s.pausedBusinessMinutes > 0) row(t.pausedTotal, humanMinutes(s.pausedBusinessMinutes, lang));

  lines.push(`  ${t.alarms}`);
  if (!view.pendingAlarms.length) lines.push(`    ${t.none}`);
  for (const a of view.pendingAlarms.slice(0, 5)) {
    const kind = valueLabel('kind', String(a.kind), lang, 'escalations');
    const what = [typeof a.deadline === 'string' ? deadlineName(a.deadline, lang) : '', typeof a.level === 'number' ? `L${a.level}` : '', typeof a.role === 'string' ? `→ ${roleLabel(a.role, lang)}` : ''].filter(Boolean).join(' ');
    lines.push(`    ${at(a.at)}  ${kind}${what ? ` ${what}` : ''}`);
  }
  if (view.pendingAlarms.length > 5) lines.push(`    … +${view.pendingAlarms.length - 5}`);

  // A complaint keeps its calendar warnings by themselves; other processes carry them in the basis of their deadlines.
  const basisWarnings = (s.basis as { calendar?: { warnings?: unknown } } | undefined)?.calendar?.warnings;
  const listed = Array.isArray(s.calendarWarnings) ? s.calendarWarnings : basisWarnings;
  const warnings = Array.isArray(listed) ? (listed as unknown[]).map(String) : [];
  for (const w of warnings) for (const [k, l] of wrap(`⚠ ${reasonLabel(w, lang, o.timeZone)}`, 100).entries()) lines.push(`  ${k === 0 ? `${t.warnings}${' '.repeat(Math.max(1, 12 - displayWidth(t.warnings)))}` : ' '.repeat(12)}${l}`);

  const history = (o.history ?? []).slice(-5);
  if (history.length) {
    lines.push(`  ${t.history}`);
    for (const e of history) lines.push(`    ${historyLine(e, o.timeZone, lang)}`);
  }
  return lines.join('\n');
}

/** One history entry: `#3 2026-12-02 10:54 受理投诉 张三（客服专员）— reason`. */
export function historyLine(e: HistoryEntry, timeZone: string, lang: Lang = 'zh'): string {
  const who = `${e.actorName ?? e.actor}（${roleLabel(e.role, lang)}）`;
  return `#${e.revision} ${localShort(e.occurredAt, timeZone)} ${eventLabel(e.type, lang)} ${who}${e.reason ? ` — ${reasonLabel(e.reason, lang, timeZone)}` : ''}`;
}

/** What a command changed, from the view before (if any) and after: the new state and every deadline set or moved. */
export function renderChange(before: ProcessViewJson | undefined, after: ProcessViewJson, o: Pick<ShowOptions, 'ledger' | 'timeZone' | 'lang' | 'now'>): string[] {
  const lang = o.lang ?? 'zh';
  const t = T[lang];
  const now = o.now ?? Date.now();
  const out: string[] = [];
  const status = after.state.status;
  if (typeof status === 'string' && status !== before?.state.status) out.push(`  ${t.state}: ${before && typeof before.state.status === 'string' && before.state.status !== 'none' ? `${valueLabel('status', before.state.status, lang, o.ledger)} → ` : ''}${valueLabel('status', status, lang, o.ledger)}`);
  // A new owner (a reassignment), by display name and id.
  const person = (st: Record<string, unknown>) => (typeof st.ownerName === 'string' ? `${st.ownerName}（${String(st.owner)}）` : String(st.owner));
  if (before && typeof after.state.owner === 'string' && typeof before.state.owner === 'string' && after.state.owner !== before.state.owner) out.push(`  ${t.owner}: ${person(before.state)} → ${person(after.state)}`);
  for (const [key, d] of Object.entries(after.state)) {
    if (!isDeadline(d)) continue;
    const was = before?.state[key];
    const prev = isDeadline(was) ? was.due : undefined;
    if (prev !== undefined && Date.parse(prev) === Date.parse(d.due)) continue;
    const name = deadlineName(d.kind ?? snake(key), lang);
    out.push(`  ${name}: ${prev ? `${localShort(prev, o.timeZone)} → ` : ''}${localShort(d.due, o.timeZone)}${d.met ? '' : `（${timeLeft(d.due, now, lang)}）`}`);
  }
  return out;
}

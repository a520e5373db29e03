import type { Basis } from '../../domain/deadlines/schema';
import { NEGATIVE_LEVELS, SURVEY_LEVELS, type RespondentKind, type SurveyLevel, type SurveySegment } from '../../domain/enums';
import { assertNever, byType, type Decider } from '../../domain/decider';
import { DomainError, forbidden, illegalState, notFound, validationError, type FieldIssue } from '../../domain/errors';
import type { Actor, FireAlarm } from '../../domain/process';
import type { ImportRow, SurveyEvent } from './schemas';

/**
 * The survey round (满意度调查, seed 000) decider: a round invites its respondents in batches, reminds only those who
 * have not answered, takes at most one response per respondent (web link, paper questionnaire or an imported file) and
 * any number of competitor benchmark forms, and at the end of its window closes with its statistics: returns and
 * competitor forms against their targets (a shortfall is flagged, never hidden), the distribution of every indicator,
 * the satisfaction rate and its trend, and one corrective action for each indicator that drew a negative answer. Pure.
 */

/** Invitations and reminders go out this many at a time: one append, and one workflow task, per batch. */
export const SURVEY_BATCH = 100;

export interface Dimension {
  key: string;
  label: string;
}
export interface Respondent {
  id: string;
  kind: RespondentKind;
}
export type Answers = Record<string, SurveyLevel>;
type Counts = Record<string, Record<string, number>>;

export type SurveyAlarm =
  | { kind: 'invite'; at: string; from: number }
  | { kind: 'remind'; at: string; reminder: number; from: number }
  | { kind: 'close'; at: string };

export interface OpenSurveyData {
  surveyId: string;
  segment: SurveySegment;
  period: string | null;
  title: string;
  questionnaire: { version: string; title: string };
  dimensions: Dimension[];
  satisfiedLevels: SurveyLevel[];
  respondents: Respondent[];
  targets: { returns: number; competitor: number };
  opensAt: string;
  closesAt: string;
  reminders: string[];
  outsourced: string | null;
  sample: { source: string; checkpoint: string; rule: string; population: number } | null;
  previous: { surveyId: string; satisfactionRate: number | null; closedAt: string } | null;
  basis: Basis;
}

export type SurveyCommand =
  | { type: 'OpenSurvey'; by: Actor; data: OpenSurveyData }
  | { type: 'Respond'; by: Actor; now: string; data: { respondentId: string; answers: Answers; comment?: string; channel: 'web' | 'paper' } }
  | { type: 'Benchmark'; by: Actor; now: string; data: { competitor: string; answers: Answers; comment?: string } }
  | { type: 'ImportResponses'; by: Actor; now: string; data: { file: { name: string; sha256: string }; rows: ImportRow[] } }
  | { type: 'CloseSurvey'; by: Actor; now: string; data: { reason: string } }
  | FireAlarm<SurveyAlarm>;

export interface OpenSurvey extends Omit<OpenSurveyData, 'reminders'> {
  status: 'open' | 'closed';
  /** Respondent id → the number of their response. */
  responded: Record<string, number>;
  /** How many of `respondents` have been invited (in order). */
  invited: number;
  /** Per reminder: its instant and how far through `respondents` it has gone. */
  reminders: Array<{ at: string; done: number }>;
  forms: number;
  returns: number;
  competitorForms: number;
  distribution: Counts;
  competitorDistribution: Counts;
  imported: string[];
  closedAt: string | null;
}
export type SurveyState = { status: 'none' } | OpenSurvey;

export const isFinal = (s: SurveyState): boolean => s.status === 'closed';

/** `corrective-<surveyId>-<dimension>`: one corrective action per negative indicator of a round. */
export const correctiveIdOf = (surveyId: string, dimension: string): string => `${surveyId}-${dimension.replaceAll('_', '-')}`;

function existing(state: SurveyState): OpenSurvey {
  if (state.status === 'none') throw notFound('survey.not_found', 'no such survey round');
  return state;
}

function accepting(s: OpenSurvey, now: string): void {
  if (s.status === 'closed' || Date.parse(now) >= Date.parse(s.closesAt)) throw illegalState('survey.closed', `survey ${s.surveyId} closed at ${s.closedAt ?? s.closesAt}: it takes no more responses`);
}

function checkAnswers(s: OpenSurvey, answers: Answers, field = 'answers'): FieldIssue[] {
  const known = new Set(s.dimensions.map((d) => d.key));
  return Object.keys(answers)
    .filter((k) => !known.has(k))
    .map((k) => ({ field: `${field}.${k}`, rule: `is not an indicator of this round's questionnaire; known: ${[...known].join(', ')}` }));
}

const emptyCounts = (dims: readonly Dimension[]): Counts => Object.fromEntries(dims.map((d) => [d.key, Object.fromEntries(SURVEY_LEVELS.map((l) => [l, 0]))]));

function added(counts: Counts, answers: Answers): Counts {
  const out: Counts = { ...counts };
  for (const [k, level] of Object.entries(answers)) out[k] = { ...out[k], [level]: (out[k]?.[level] ?? 0) + 1 };
  return out;
}

type Cmd<T extends SurveyCommand['type']> = Extract<SurveyCommand, { type: T }>;

function open(c: Cmd<'OpenSurvey'>, state: SurveyState): SurveyEvent[] {
  if (state.status !== 'none') throw illegalState('survey.already_open', `survey ${c.data.surveyId} was opened already`);
  // Regular rounds follow their schedule: a person opens special surveys only.
  if (c.data.segment !== 'special' && c.by.role !== 'system') throw forbidden('survey.regular_by_schedule', `${c.data.segment} rounds open from their schedule (taizhang schedule trigger survey-${c.data.segment}); staff open special surveys`);
  const seen = new Map<string, number>();
  const twice: FieldIssue[] = [];
  c.data.respondents.forEach((r, i) => {
    if (seen.has(r.id)) twice.push({ field: `respondents.${i}.id`, rule: `must be unique (${r.id} is also respondents.${seen.get(r.id)})` });
    else seen.set(r.id, i);
  });
  if (twice.length) throw validationError(twice);
  if (c.data.respondents.length === 0 && !c.data.outsourced) throw validationError([{ field: 'respondents', rule: 'must name at least one respondent (or the survey is outsourced and its results imported)' }]);
  return [{ type: 'SurveyOpened', data: c.data }];
}

function respond(c: Cmd<'Respond'>, state: SurveyState): SurveyEvent[] {
  const s = existing(state);
  const { respondentId } = c.data;
  // A respondent answers for themselves only (their link names them); staff enter paper questionnaires.
  if (c.by.role === 'respondent' && c.by.actor !== `respondent:${respondentId}`) throw forbidden('survey.not_your_link', `this link belongs to another respondent`);
  if (c.by.role === 'respondent' && c.data.channel !== 'web') throw forbidden('survey.web_only', 'a respondent answers through the web form');
  if (c.by.role !== 'respondent' && c.data.channel === 'web') throw forbidden('survey.web_is_respondents', 'staff enter paper questionnaires (channel paper)');
  const respondent = s.respondents.find((r) => r.id === respondentId);
  if (!respondent) throw notFound('survey.unknown_respondent', `${respondentId} is not a respondent of survey ${s.surveyId}`);
  if (s.responded[respondentId] !== undefined) throw illegalState('survey.already_responded', `${respondentId} already answered survey ${s.surveyId} (response ${s.responded[respondentId]}); one response per respondent`);
  accepting(s, c.now);
  const issues = checkAnswers(s, c.data.answers);
  if (issues.length) throw validationError(issues);
  return [
    {
      type: 'SurveyResponseRecorded',
      data: { surveyId: s.surveyId, responseNo: s.forms + 1, respondentId, kind: respondent.kind, channel: c.data.channel, answers: c.data.answers, ...(c.data.comment ? { comment: c.data.comment } : {}) },
    },
  ];
}

function benchmark(c: Cmd<'Benchmark'>, state: SurveyState): SurveyEvent[] {
  const s = existing(state);
  accepting(s, c.now);
  const issues = checkAnswers(s, c.data.answers);
  if (issues.length) throw validationError(issues);
  return [{ type: 'SurveyBenchmarkRecorded', data: { surveyId: s.surveyId, responseNo: s.forms + 1, competitor: c.data.competitor, channel: 'paper', answers: c.data.answers, ...(c.data.comment ? { comment: c.data.comment } : {}) } }];
}

/** A whole file or nothing: every row is checked against the round (and the file's other rows) first. */
function importResponses(c: Cmd<'ImportResponses'>, state: SurveyState): SurveyEvent[] {
  const s = existing(state);
  accepting(s, c.now);
  if (s.imported.includes(c.data.file.sha256)) throw illegalState('survey.file_already_imported', `${c.data.file.name} (sha256 ${c.data.file.sha256.slice(0, 12)}…) was imported into survey ${s.surveyId} already`);
  const issues: FieldIssue[] = [];
  const inFile = new Map<string, number>();
  const known = new Map(s.respondents.map((r) => [r.id, r]));
  for (const row of c.data.rows) {
    const at = `line ${row.line}`;
    issues.push(...checkAnswers(s, row.answers, `${at}: answers`));
    if (row.form === 'competitor') {
      if (!row.competitor) issues.push({ field: `${at}: competitor`, rule: 'is required on a competitor form' });
      continue;
    }
    const id = row.respondentId;
    if (!id) {
      issues.push({ field: `${at}: respondentId`, rule: 'is required on a customer form' });
      continue;
    }
    // An outsourced survey's agency may have asked customers the round did not list; any other round takes its own.
    if (!known.has(id) && !s.outsourced) issues.push({ field: `${at}: respondentId`, rule: `${id} is not a respondent of survey ${s.surveyId}` });
    if (s.responded[id] !== undefined) issues.push({ field: `${at}: respondentId`, rule: `${id} already answered this survey (response ${s.responded[id]})` });
    const twice = inFile.get(id);
    if (twice !== undefined) issues.push({ field: `${at}: respondentId`, rule: `${id} is also on line ${twice}; one response per respondent` });
    inFile.set(id, row.line);
  }
  if (issues.length) throw new DomainError('validation', 'survey.import_rejected', `${c.data.file.name}: nothing imported; ${issues.map((i) => `${i.field}: ${i.rule}`).join('; ')}`, issues);
  let n = s.forms;
  const events: SurveyEvent[] = c.data.rows.map((row) => {
    n++;
    const extra = { ...(row.comment ? { comment: row.comment } : {}), line: row.line };
    if (row.form === 'competitor') return { type: 'SurveyBenchmarkRecorded', data: { surveyId: s.surveyId, responseNo: n, competitor: row.competitor!, channel: 'import', answers: row.answers, ...extra } };
    const kind = known.get(row.respondentId!)?.kind ?? 'customer';
    return { type: 'SurveyResponseRecorded', data: { surveyId: s.surveyId, responseNo: n, respondentId: row.respondentId!, kind, channel: 'import', answers: row.answers, ...extra } };
  });
  const benchmarks = c.data.rows.filter((r) => r.form === 'competitor').length;
  return [...events, { type: 'SurveyImportRecorded', data: { surveyId: s.surveyId, file: c.data.file, responses: c.data.rows.length - benchmarks, benchmarks } }];
}

const answered = (counts: Record<string, number> | undefined) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
const satisfiedIn = (counts: Record<string, number> | undefined, satisfied: readonly string[]) => satisfied.reduce((a, l) => a + (counts?.[l] ?? 0), 0);

/** Satisfied answers over all answers, in percent with one decimal; null when there is none. */
function rateOf(counts: Record<string, number> | undefined, satisfied: readonly string[]): number | null {
  const all = answered(counts);
  return all === 0 ? null : Math.round((1000 * satisfiedIn(counts, satisfied)) / all) / 10;
}

function total(counts: Counts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const byLevel of Object.values(counts)) for (const [l, n] of Object.entries(byLevel)) out[l] = (out[l] ?? 0) + n;
  return out;
}

/** The round's statistics at its close. */
function closing(s: OpenSurvey, now: string, early: { reason: string } | undefined): Extract<SurveyEvent, { type: 'SurveyClosed' }> {
  const all = total(s.distribution);
  const satisfactionRate = rateOf(all, s.satisfiedLevels);
  const negativeDimensions = s.dimensions.filter((d) => NEGATIVE_LEVELS.some((l) => (s.distribution[d.key]?.[l] ?? 0) > 0)).map((d) => d.key);
  const delta = s.previous?.satisfactionRate != null && satisfactionRate != null ? Math.round(10 * (satisfactionRate - s.previous.satisfactionRate)) / 10 : null;
  return {
    type: 'SurveyClosed',
    data: {
      surveyId: s.surveyId,
      closedAt: now,
      early: Boolean(early),
      ...(early ? { reason: early.reason } : {}),
      respondents: s.respondents.length,
      returns: s.returns,
      competitorForms: s.competitorForms,
      targets: s.targets,
      shortfall: { returns: s.returns < s.targets.returns, competitor: s.competitorForms < s.targets.competitor },
      answers: answered(all),
      satisfiedAnswers: satisfiedIn(all, s.satisfiedLevels),
      distribution: s.distribution,
      competitorDistribution: s.competitorDistribution,
      satisfactionRate,
      competitorRate: rateOf(total(s.competitorDistribution), s.satisfiedLevels),
      dimensionRates: Object.fromEntries(s.dimensions.map((d) => [d.key, rateOf(s.distribution[d.key], s.satisfiedLevels)])),
      trend: s.previous ? { previous: s.previous.surveyId, previousRate: s.previous.satisfactionRate, delta } : null,
      negativeDimensions,
      correctiveActions: negativeDimensions.map((d) => correctiveIdOf(s.surveyId, d)),
    },
  };
}

function close(c: Cmd<'CloseSurvey'>, state: SurveyState): SurveyEvent[] {
  const s = existing(state);
  if (s.status === 'closed') throw illegalState('survey.closed', `survey ${s.surveyId} is closed already`);
  return [closing(s, c.now, c.data)];
}

/** The next batch of reminder `n`: up to a batch of those from `from` on who have not answered. */
function reminderBatch(s: OpenSurvey, from: number): { to: number; respondents: string[] } {
  const out: string[] = [];
  let i = from;
  for (; i < s.respondents.length && out.length < SURVEY_BATCH; i++) if (s.responded[s.respondents[i]!.id] === undefined) out.push(s.respondents[i]!.id);
  return { to: i, respondents: out };
}

function fireAlarm(c: Cmd<'FireAlarm'>, state: SurveyState): SurveyEvent[] {
  const s = existing(state);
  const a = c.alarm;
  const pending = pendingSurveyAlarms(s);
  // A stale alarm (its batch went out already, the round closed early) fires nothing.
  const same = (p: SurveyAlarm) => p.kind === a.kind && p.at === a.at && ('from' in p ? 'from' in a && p.from === a.from : true) && ('reminder' in p ? 'reminder' in a && p.reminder === a.reminder : true);
  if (!pending.some(same)) return [];
  switch (a.kind) {
    case 'invite':
      return [{ type: 'SurveyInvitationsSent', data: { surveyId: s.surveyId, from: a.from, to: Math.min(s.respondents.length, a.from + SURVEY_BATCH) } }];
    case 'remind': {
      const batch = reminderBatch(s, a.from);
      return [{ type: 'SurveyRemindersSent', data: { surveyId: s.surveyId, reminder: a.reminder, from: a.from, ...batch } }];
    }
    case 'close':
      return [closing(s, c.now, undefined)];
    default:
      return assertNever(a, 'survey alarm');
  }
}

export const decideSurvey = byType<SurveyCommand, SurveyState, SurveyEvent>({ OpenSurvey: open, Respond: respond, Benchmark: benchmark, ImportResponses: importResponses, CloseSurvey: close, FireAlarm: fireAlarm });

function evolveOpen(s: OpenSurvey, e: SurveyEvent): OpenSurvey {
  switch (e.type) {
    case 'SurveyOpened':
      return s;
    case 'SurveyInvitationsSent':
      return { ...s, invited: Math.max(s.invited, e.data.to) };
    case 'SurveyRemindersSent':
      return { ...s, reminders: s.reminders.map((r, i) => (i === e.data.reminder - 1 ? { ...r, done: Math.max(r.done, e.data.to) } : r)) };
    case 'SurveyResponseRecorded':
      return { ...s, forms: e.data.responseNo, returns: s.returns + 1, responded: { ...s.responded, [e.data.respondentId]: e.data.responseNo }, distribution: added(s.distribution, e.data.answers) };
    case 'SurveyBenchmarkRecorded':
      return { ...s, forms: e.data.responseNo, competitorForms: s.competitorForms + 1, competitorDistribution: added(s.competitorDistribution, e.data.answers) };
    case 'SurveyImportRecorded':
      return { ...s, imported: [...s.imported, e.data.file.sha256] };
    case 'SurveyClosed':
      return { ...s, status: 'closed', closedAt: e.data.closedAt };
    default:
      return assertNever(e, 'survey event');
  }
}

export function evolveSurvey(state: SurveyState, e: SurveyEvent): SurveyState {
  if (e.type === 'SurveyOpened') {
    const d = e.data;
    return {
      ...d,
      status: 'open',
      responded: {},
      invited: 0,
      reminders: d.reminders.map((at) => ({ at, done: 0 })),
      forms: 0,
      returns: 0,
      competitorForms: 0,
      distribution: emptyCounts(d.dimensions),
      competitorDistribution: emptyCounts(d.dimensions),
      imported: [],
      closedAt: null,
    };
  }
  if (state.status === 'none') return state;
  return evolveOpen(state, e);
}

/** Invitation batches at the opening, each reminder's batches at its instant, the close at the window's end. */
export function pendingSurveyAlarms(state: SurveyState): SurveyAlarm[] {
  if (state.status !== 'open') return [];
  const out: SurveyAlarm[] = [];
  if (state.invited < state.respondents.length) out.push({ kind: 'invite', at: state.opensAt, from: state.invited });
  state.reminders.forEach((r, i) => {
    if (r.done < state.respondents.length && Date.parse(r.at) < Date.parse(state.closesAt)) out.push({ kind: 'remind', at: r.at, reminder: i + 1, from: r.done });
  });
  out.push({ kind: 'close', at: state.closesAt });
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

export const surveyDecider: Decider<SurveyCommand, SurveyState, SurveyEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideSurvey,
  evolve: evolveSurvey,
};

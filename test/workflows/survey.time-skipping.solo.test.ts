import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors';
import { NEGATIVE_LEVELS, SURVEY_LEVELS, type SurveyLevel } from '../../src/domain/enums';
import type { Actor } from '../../src/domain/process';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { readEntity } from '../../src/events/entities';
import type { RecordedEvent } from '../../src/events/envelope';
import { correctiveProcess } from '../../src/processes/corrective';
import { correctiveRules } from '../../src/processes/corrective/rules';
import type { CorrectiveEvent } from '../../src/processes/corrective/schemas';
import { surveyProcess } from '../../src/processes/survey';
import { surveyRules } from '../../src/processes/survey/rules';
import type { SurveyEvent } from '../../src/processes/survey/schemas';
import { recordHistory } from '../support/histories';
import { startAsEngine, startWorkerStack, type WorkerStack } from '../support/temporal';

/**
 * A whole key-customer round under the DEFAULT policy on the time-skipping server, its clock starting on Monday
 * 12 October 2026 just before 09:00 (Beijing time): 15 working days of window with reminders after 5 and 10, 120
 * respondents invited in batches, 90 answering (so the round is 10 short of its 100 returns), 10 competitor forms;
 * weeks pass in seconds. At the close the statistics must equal what the test itself gave, and exactly the indicators
 * that drew 不满意 or 很不满意 get a corrective action, one of which is left overdue and escalates.
 */
const OPEN_AT = Date.parse('2026-10-12T09:00:00+08:00');
const staff: Actor = { actor: 'zhao.min', role: 'supervisor' };
const perf: Actor = { actor: 'pm.lead', role: 'performance' };

const DIMS = DEFAULT_POLICY.surveys.questionnaire.dimensions.map((d) => d.key);
/** Respondent n's answers: mostly satisfied; delivery and after-sales draw some negative answers, nothing else does. */
function answersOf(n: number): Record<string, SurveyLevel> {
  const out: Record<string, SurveyLevel> = {};
  DIMS.forEach((d, i) => {
    let level: SurveyLevel = SURVEY_LEVELS[(n + i) % 3]!; // 很满意 / 满意 / 基本满意
    if (d === 'delivery' && n % 9 === 0) level = 'dissatisfied';
    if (d === 'after_sales' && n % 17 === 0) level = 'very_dissatisfied';
    out[d] = level;
  });
  if (n % 5 === 0) delete out.appearance; // some leave an indicator blank
  return out;
}

describe('survey round under the default policy (time-skipping, from Mon 2026-10-12 09:00)', () => {
  let w: WorkerStack;
  const surveyId = 'key-2026Q4';
  const respondents = Array.from({ length: 120 }, (_, i) => ({ id: `C-SV-${String(i + 1).padStart(3, '0')}`, kind: 'customer' as const }));

  beforeAll(async () => {
    w = await startWorkerStack('time-skipping', { policy: DEFAULT_POLICY, startAt: new Date(OPEN_AT - 60_000).toISOString() });
  });
  afterAll(async () => {
    await w?.close();
  });

  const events = async (id: string) => (await w.store.readStream(`survey-${id}`)) as Array<RecordedEvent & SurveyEvent>;
  const notices = (all: RecordedEvent[], about: string) => all.filter((e) => e.type === 'NotificationIssued' && (e.data as { about: string }).about === about).map((e) => e.data as { recipient: string; key: string; body: string });
  const respond = (n: number) => w.gateway.command(surveyProcess, surveyId, 'respond', { respondentId: respondents[n - 1]!.id, answers: answersOf(n), channel: 'paper' }, staff);
  const within = (e: RecordedEvent, at: string, what: string) => {
    const late = Date.parse(e.metadata.occurredAt) - Date.parse(at);
    expect(late, `${what} at ${e.metadata.occurredAt}, computed ${at}`).toBeGreaterThanOrEqual(0);
    expect(late, `${what} at ${e.metadata.occurredAt}, computed ${at}`).toBeLessThan(1000);
  };

  it('invites everyone, reminds only those who have not answered, refuses a second response, closes with the statistics given', async () => {
    await w.env.sleep(OPEN_AT - (await w.env.currentTimeMs()));
    await startAsEngine(w, surveyProcess, surveyId, 'open', { segment: 'key', period: '2026Q4', respondents });
    // Staff may not open a regular round by hand: it comes from its schedule.
    await expect(w.gateway.create(surveyProcess, 'open', { surveyId: 'key-2026Q3', segment: 'key', respondents }, staff)).rejects.toMatchObject({ code: 'survey.regular_by_schedule' });

    // The invitations go out on the round's first alarm, due at once: on its timer, a moment after the opening.
    let all = await events(surveyId);
    for (let i = 0; i < 200 && all.filter((e) => e.type === 'SurveyInvitationsSent').length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      all = await events(surveyId);
    }
    const opened = all[0]!;
    if (opened.type !== 'SurveyOpened') throw new Error(`first event is ${opened.type}`);
    const window = surveyRules(DEFAULT_POLICY).window(opened.data.opensAt);
    expect({ closesAt: opened.data.closesAt, reminders: opened.data.reminders }).toEqual({ closesAt: window.closesAt, reminders: window.reminders });
    expect(opened.data).toMatchObject({ targets: { returns: 100, competitor: 10 }, questionnaire: { title: '客户满意度调查问卷' } });
    expect(opened.data.dimensions.map((d) => d.label)).toEqual(['产品功能/性能', '可靠性', '外观', '包装', '交货期', '服务质量', '售后服务']);
    console.info(`survey ${surveyId}: opened ${opened.data.opensAt}, reminders ${opened.data.reminders.join(', ')}, closes ${opened.data.closesAt}`);

    // Everyone invited, in two batches, each with a personal link placeholder and its own key.
    const invited = notices(all, 'SurveyInvitationsSent');
    expect(invited.map((n) => n.recipient)).toEqual(respondents.map((r) => `customer:${r.id}`));
    expect(all.filter((e) => e.type === 'SurveyInvitationsSent').map((e) => [(e.data as { from: number }).from, (e.data as { to: number }).to])).toEqual([
      [0, 100],
      [100, 120],
    ]);
    expect(invited[0]!.body).toContain(`{{survey-link ${surveyId} C-SV-001}}`);
    expect(new Set(invited.map((n) => n.key)).size).toBe(120);

    // 60 answer at once; a second response of the same respondent is refused, and nothing is appended.
    for (let n = 1; n <= 60; n++) await respond(n);
    const before = (await events(surveyId)).length;
    const dup = await respond(7).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(DomainError);
    expect(dup).toMatchObject({ kind: 'illegal_state', code: 'survey.already_responded' });
    expect((await events(surveyId)).length).toBe(before);
    // Competitor benchmark forms.
    for (let k = 1; k <= 10; k++) await w.gateway.command(surveyProcess, surveyId, 'benchmark', { competitor: k % 2 ? '甲公司' : '乙公司', answers: answersOf(k + 1000) }, staff);

    // Past the first reminder: only the 60 who had not answered are reminded.
    await w.env.sleep(Date.parse(opened.data.reminders[0]!) + 60_000 - (await w.env.currentTimeMs()));
    for (let n = 61; n <= 90; n++) await respond(n);
    // Past the second reminder and the close.
    await w.env.sleep(Date.parse(opened.data.closesAt) + 60_000 - (await w.env.currentTimeMs()));
    all = await events(surveyId);
    const reminders = all.filter((e) => e.type === 'SurveyRemindersSent');
    const first = notices(all, 'SurveyRemindersSent');
    const byReminder = (k: number) => reminders.filter((e) => (e.data as { reminder: number }).reminder === k).flatMap((e) => (e.data as { respondents: string[] }).respondents);
    expect(byReminder(1)).toEqual(respondents.slice(60).map((r) => r.id));
    expect(byReminder(2)).toEqual(respondents.slice(90).map((r) => r.id));
    expect(first.map((n) => n.recipient)).toEqual([...respondents.slice(60), ...respondents.slice(90)].map((r) => `customer:${r.id}`));
    within(reminders[0]!, opened.data.reminders[0]!, 'reminder 1');
    within(reminders.find((e) => (e.data as { reminder: number }).reminder === 2)!, opened.data.reminders[1]!, 'reminder 2');

    // The close: statistics equal to what was given.
    const closed = all.find((e) => e.type === 'SurveyClosed');
    if (closed?.type !== 'SurveyClosed') throw new Error('not closed');
    within(closed, opened.data.closesAt, 'close');
    const given = Array.from({ length: 90 }, (_, i) => answersOf(i + 1));
    const dist: Record<string, Record<string, number>> = Object.fromEntries(DIMS.map((d) => [d, Object.fromEntries(SURVEY_LEVELS.map((l) => [l, 0]))]));
    for (const a of given) for (const [d, l] of Object.entries(a)) dist[d]![l]!++;
    expect(closed.data.distribution).toEqual(dist);
    const answers = given.flatMap((a) => Object.values(a));
    const satisfied = answers.filter((l) => !(NEGATIVE_LEVELS as readonly string[]).includes(l)).length;
    expect(closed.data.satisfactionRate).toBe(Math.round((1000 * satisfied) / answers.length) / 10);
    expect(closed.data).toMatchObject({ returns: 90, competitorForms: 10, respondents: 120, shortfall: { returns: true, competitor: false }, negativeDimensions: ['delivery', 'after_sales'] });
    expect(closed.data.correctiveActions).toEqual([`${surveyId}-delivery`, `${surveyId}-after-sales`]);
    // Too late now.
    await expect(respond(100)).rejects.toMatchObject({ code: 'survey.closed' });
    const described = await w.env.client.workflow.getHandle(`survey-${surveyId}`).describe();
    expect(described.status.name).toBe('COMPLETED');
    console.info(`survey ${surveyId} closed ${closed.data.closedAt}: returns ${closed.data.returns}/${closed.data.targets.returns} (short), competitor ${closed.data.competitorForms}, rate ${closed.data.satisfactionRate}%, negative ${closed.data.negativeDimensions.join(', ')}`);
    await recordHistory(w.env.client, `survey-${surveyId}`, 'survey-key-round');
  });

  it('opens one corrective action per negative indicator; one left alone escalates at its computed instant, the other is carried through', async () => {
    const ids = [`${surveyId}-delivery`, `${surveyId}-after-sales`];
    const streams = await Promise.all(ids.map(async (id) => (await w.store.readStream(`corrective-${id}`)) as Array<RecordedEvent & CorrectiveEvent>));
    const openedDelivery = streams[0]![0]!;
    if (openedDelivery.type !== 'CorrectiveActionOpened') throw new Error(`first event is ${openedDelivery.type}`);
    expect(openedDelivery.data).toMatchObject({ surveyId, dimension: 'delivery', label: '交货期', negatives: { dissatisfied: 10, very_dissatisfied: 0 }, answers: 90 });
    expect(streams[1]![0]).toMatchObject({ type: 'CorrectiveActionOpened', data: { dimension: 'after_sales', negatives: { dissatisfied: 0, very_dissatisfied: 5 } } });
    // No other indicator got one.
    const others = DIMS.filter((d) => !['delivery', 'after_sales'].includes(d));
    for (const d of others) expect(await w.store.readStream(`corrective-${surveyId}-${d.replaceAll('_', '-')}`)).toEqual([]);
    const assign = correctiveRules(DEFAULT_POLICY).deadline('assign', openedDelivery.data.openedAt);
    expect(openedDelivery.data.assign).toEqual(assign);

    // After-sales: the performance group names the owner, who plans; the department carries it out; verified.
    const after = ids[1]!;
    await w.gateway.command(correctiveProcess, after, 'assign', { owner: 'sun.wei', department: '售后服务部' }, perf);
    await expect(w.gateway.command(correctiveProcess, after, 'plan', { plan: '增设夜间值班' }, { actor: 'chen.jing', role: 'agent' })).rejects.toMatchObject({ code: 'corrective.not_owner' });
    await w.gateway.command(correctiveProcess, after, 'plan', { plan: '售后响应由 48 小时缩短为 24 小时，增设夜间值班' }, { actor: 'sun.wei', role: 'supervisor' });
    await w.gateway.command(correctiveProcess, after, 'complete', { summary: '值班表已执行一个月' }, { actor: 'sun.wei', role: 'supervisor' });
    await expect(w.gateway.command(correctiveProcess, after, 'verify', { effective: true, note: '本人验证' }, { actor: 'sun.wei', role: 'supervisor' })).rejects.toMatchObject({ code: 'role.not_allowed' });
    await w.gateway.command(correctiveProcess, after, 'verify', { effective: true, note: '回访抽查 20 户，均满意' }, perf);
    // Its workflow has ended (the time-skipping server answers no query of an ended one): its stream says where it stands.
    expect((await readEntity(w.store, correctiveProcess, after)).state).toMatchObject({ status: 'closed', owner: 'sun.wei' });
    expect((await w.env.client.workflow.getHandle(`corrective-${after}`).describe()).status.name).toBe('COMPLETED');

    // Delivery: nobody names an owner; it warns, then escalates to the manager and the general manager.
    await w.env.sleep(Date.parse(assign.escalations.at(-1)!.at) + 60_000 - (await w.env.currentTimeMs()));
    const delivery = (await w.store.readStream(`corrective-${ids[0]}`)) as Array<RecordedEvent & CorrectiveEvent>;
    const fired = delivery.filter((e) => e.type === 'CorrectiveWarningIssued' || e.type === 'CorrectiveEscalated');
    expect(fired.map((e) => (e.type === 'CorrectiveEscalated' ? `L${e.data.level}:${e.data.role}` : 'warning'))).toEqual(['warning', 'L1:manager', 'L2:general_manager']);
    within(fired[0]!, assign.warnAt!, 'warning');
    within(fired[1]!, assign.escalations[0]!.at, 'level 1');
    within(fired[2]!, assign.escalations[1]!.at, 'level 2');
    const escalationNotices = delivery.filter((e) => (e.type as string) === 'NotificationIssued').map((e) => (e.data as unknown as { recipient: string }).recipient);
    expect(escalationNotices).toEqual(['role:performance', 'role:performance', 'role:manager', 'role:general_manager']);
    expect((await w.gateway.view(correctiveProcess, ids[0]!)).state).toMatchObject({ status: 'awaiting_owner', escalationLevel: 2 });
    console.info(`corrective ${ids[0]}: opened ${openedDelivery.data.openedAt}, assign due ${assign.due}; ${fired.map((e) => `${e.type} ${e.metadata.occurredAt}`).join('; ')}`);
    await recordHistory(w.env.client, `corrective-${after}`, 'corrective-carried-through');
    await recordHistory(w.env.client, `corrective-${ids[0]}`, 'corrective-escalated');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextRoundStarts, periodOf } from '../../src/domain/calendar/cycles';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { calendarForPolicy } from '../../src/domain/policy/ref';
import { SurveySchedules } from '../../src/api/schedules';
import { registered } from '../support/events';
import { startTestApp, type TestApp } from '../support/app';
import { testLogger } from '../support/temporal';
import { TEST_KEYS } from '../support/keys';

/**
 * The survey cycles on Temporal Schedules, on the real dev server: created idempotently from the policy, the next
 * rounds as the server itself computes them (the first working day of each quarter / half year at 09:00 Beijing time),
 * admin-only routes, and a round started by triggering the schedule, with its sample read from the customer ledger.
 */
describe('survey schedules (dev server)', () => {
  let t: TestApp;
  let schedules: SurveySchedules;
  const calendar = calendarForPolicy(DEFAULT_POLICY);
  const [keyCycle, ordinaryCycle] = DEFAULT_POLICY.surveys.cycles;

  beforeAll(async () => {
    t = await startTestApp(DEFAULT_POLICY);
    schedules = new SurveySchedules(t.env.client, t.taskQueue, DEFAULT_POLICY, TEST_KEYS.commandKeys[0]);
    // Registered customers: three key ones, two ordinary ones, one key customer on the blacklist.
    for (const id of ['K-1', 'K-2', 'K-3']) await t.store.append(`customer-${id}`, [registered(id, { importance: 'key' })], { expectedRevision: 'no_stream' });
    for (const id of ['O-1', 'O-2']) await t.store.append(`customer-${id}`, [registered(id)], { expectedRevision: 'no_stream' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates one schedule per cycle, then finds them unchanged; describe lists the next rounds from the server', async () => {
    const now = Date.now();
    expect(await schedules.ensure(testLogger, now)).toEqual({ 'survey-key': 'created', 'survey-ordinary': 'created' });
    expect(await schedules.ensure(testLogger, now)).toEqual({ 'survey-key': 'unchanged', 'survey-ordinary': 'unchanged' });
    const ids: string[] = [];
    for await (const s of t.env.client.schedule.list()) ids.push(s.scheduleId);
    expect(ids.sort()).toEqual(['survey-key', 'survey-ordinary']);

    const key = await t.app.inject({ method: 'GET', url: '/schedules/survey-key', headers: t.as('admin') });
    expect(key.statusCode).toBe(200);
    const keyNext = (key.json() as { nextActionTimes: Array<{ at: string; local: string }> }).nextActionTimes;
    const expectedKey = nextRoundStarts(keyCycle!, calendar, now, 4);
    expect(keyNext.slice(0, 4).map((n) => Date.parse(n.at))).toEqual(expectedKey.map((s) => Date.parse(s.at)));
    const ordinary = await t.app.inject({ method: 'GET', url: '/schedules/survey-ordinary', headers: t.as('admin') });
    const ordinaryNext = (ordinary.json() as { nextActionTimes: Array<{ at: string; local: string }> }).nextActionTimes;
    const expectedOrdinary = nextRoundStarts(ordinaryCycle!, calendar, now, 2);
    expect(ordinaryNext.slice(0, 2).map((n) => Date.parse(n.at))).toEqual(expectedOrdinary.map((s) => Date.parse(s.at)));
    // Every one on a working day at 09:00 local time.
    for (const s of [...expectedKey, ...expectedOrdinary]) {
      expect(s.at.slice(11, 16)).toBe('09:00');
      expect(calendar.isWorkingDay(s.at.slice(0, 10))).toBe(true);
    }
    console.info(`survey-key next (server): ${keyNext.slice(0, 4).map((n) => n.local).join(', ')}; survey-ordinary next (server): ${ordinaryNext.slice(0, 2).map((n) => n.local).join(', ')}`);

    expect((await t.app.inject({ method: 'GET', url: '/schedules', headers: t.as('agent') })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/schedules/survey-nope', headers: t.as('admin') })).json()).toMatchObject({ code: 'schedule.not_found' });
  });

  it('pause keeps its note and survives an update; unpause', async () => {
    const paused = await t.app.inject({ method: 'POST', url: '/schedules/survey-ordinary/pause', headers: t.as('admin'), payload: { reason: '年中盘点' } });
    expect(paused.statusCode).toBe(200);
    // A policy change re-plans the schedule: it stays paused.
    const later = new SurveySchedules(t.env.client, t.taskQueue, { ...DEFAULT_POLICY, surveys: { ...DEFAULT_POLICY.surveys, cycles: DEFAULT_POLICY.surveys.cycles.map((c) => (c.segment === 'ordinary' ? { ...c, at: '10:00' } : c)) } }, TEST_KEYS.commandKeys[0]);
    expect((await later.ensure(testLogger))['survey-ordinary']).toBe('updated');
    const d = (await t.app.inject({ method: 'GET', url: '/schedules/survey-ordinary', headers: t.as('admin') })).json() as { paused: boolean; note: string; nextActionTimes: Array<{ local: string }> };
    expect(d).toMatchObject({ paused: true, note: 'paused by admin-1: 年中盘点' });
    expect(d.nextActionTimes[0]!.local).toContain(' 10:00');
    await t.app.inject({ method: 'POST', url: '/schedules/survey-ordinary/unpause', headers: t.as('admin'), payload: {} });
    expect(((await t.app.inject({ method: 'GET', url: '/schedules/survey-ordinary', headers: t.as('admin') })).json() as { paused: boolean }).paused).toBe(false);
  });

  it('triggering the key schedule opens this quarter’s round with every key customer, read from the ledger; a second trigger makes no second round', async () => {
    const period = periodOf('quarter', new Date().toISOString());
    const surveyId = `key-${period}`;
    // The projector has the customers.
    await t.projector.waitFor((await t.store.head()).position, 10_000);
    expect((await t.app.inject({ method: 'POST', url: '/schedules/survey-key/trigger', headers: t.as('admin'), payload: {} })).statusCode).toBe(200);
    const deadline = Date.now() + 30_000;
    let events = await t.store.readStream(`survey-${surveyId}`);
    while (!events.some((e) => e.type === 'SurveyInvitationsSent') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      events = await t.store.readStream(`survey-${surveyId}`);
    }
    const opened = events[0]!;
    expect(opened.type).toBe('SurveyOpened');
    const d = opened.data as { segment: string; period: string; respondents: Array<{ id: string }>; sample: { source: string; checkpoint: string; population: number }; targets: { returns: number } };
    expect(d).toMatchObject({ segment: 'key', period, targets: { returns: 100 }, sample: { source: 'ledger:customers', population: 3 } });
    expect(d.respondents.map((r) => r.id).sort()).toEqual(['K-1', 'K-2', 'K-3']);
    expect(Number(d.sample.checkpoint)).toBeGreaterThan(0);
    expect(opened.metadata).toMatchObject({ actor: 'taizhang', role: 'system' });
    const invitations = events.filter((e) => e.type === 'NotificationIssued').map((e) => (e.data as { recipient: string }).recipient);
    expect(invitations.sort()).toEqual(['customer:K-1', 'customer:K-2', 'customer:K-3']);

    // Trigger again: the launcher finds the round of this period and leaves it alone.
    await t.app.inject({ method: 'POST', url: '/schedules/survey-key/trigger', headers: t.as('admin'), payload: {} });
    const results: Array<{ outcome: string }> = [];
    const until = Date.now() + 30_000;
    while (results.length < 2 && Date.now() < until) {
      results.length = 0;
      for await (const w of t.env.client.workflow.list({ query: "WorkflowType = 'surveyCycleWorkflow' AND ExecutionStatus = 'Completed'" })) results.push(await t.env.client.workflow.getHandle(w.workflowId, w.runId).result());
      if (results.length < 2) await new Promise((r) => setTimeout(r, 300));
    }
    expect(results.map((r) => r.outcome).sort()).toEqual(['exists', 'started']);
    expect((await t.store.readStream(`survey-${surveyId}`)).filter((e) => e.type === 'SurveyOpened')).toHaveLength(1);
    const described = (await t.app.inject({ method: 'GET', url: '/schedules/survey-key', headers: t.as('admin') })).json() as { recentActions: Array<{ workflowId: string }> };
    expect(described.recentActions.length).toBeGreaterThanOrEqual(2);
  });
});

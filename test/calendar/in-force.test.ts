import { readFileSync } from 'node:fs';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { registerCalendarRoutes } from '../../src/api/calendar';
import { SurveySchedules } from '../../src/api/schedules';
import { registerSlaRoutes } from '../../src/api/sla';
import { PolicyInForce, readCalendarVersions } from '../../src/calendar/in-force';
import { recordCalendarVersion } from '../../src/calendar/versions';
import { calendarCoverageWarnings, policyInForce, warnCalendarCoverage } from '../../src/config/policy';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { validationFrom } from '../../src/domain/validation';
import { tempStore } from '../support/store';

/**
 * The calendar in force is the policy's with every imported holiday notice: the what-if calculators and the start-up
 * warning count on it, not on the shipped chinese-days data alone. A minor complaint received 2026-12-31 16:00 Beijing
 * time is due on New Year's Day 2027 on the shipped data, and on Monday 4 January once the example 2027 notice
 * (元旦 1–3 January) is imported.
 */
const NOTICE = readFileSync(path.join(import.meta.dirname, '../../examples/holidays-2027.json'), 'utf8');
const admin = { actor: 'admin-1', role: 'admin' as const };

/** The calculators' routes on an app of their own (no Temporal): the validator and serializer `buildApp` uses. */
async function calculatorApp(store: ReturnType<typeof tempStore>['store']): Promise<FastifyInstance> {
  const app = Fastify();
  app.setValidatorCompiler<z.ZodType>(({ schema }) => (data) => {
    const r = schema.safeParse(data);
    return r.success ? { value: r.data } : { error: validationFrom(r.error, data ?? {}) };
  });
  app.setSerializerCompiler(serializerCompiler);
  registerSlaRoutes(app, { policy: DEFAULT_POLICY, store, timeZone: 'Asia/Shanghai' });
  registerCalendarRoutes(app, { policy: DEFAULT_POLICY, store });
  await app.ready();
  return app;
}

describe('the calendar in force, with imported versions', () => {
  let t: ReturnType<typeof tempStore>;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = tempStore();
    app = await calculatorApp(t.store);
  });
  afterAll(async () => {
    await app?.close();
    await t?.cleanup();
  });

  const deadlines = async () => {
    const res = await app.inject({ method: 'GET', url: `/sla/deadlines?${new URLSearchParams({ received: '2026-12-31 16:00', severity: 'minor' })}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { firstResponseDue: string; resolutionDue: string; calendar: { source: string; warnings: string[] } };
  };
  const add = async () => {
    const res = await app.inject({ method: 'GET', url: `/calendar/add?${new URLSearchParams({ from: '2026-12-31T17:00:00+08:00', workingDays: '1' })}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { at: string; calendar: { source: string; warnings: string[] } };
  };

  it('/sla/deadlines and /calendar/add move off New Year’s Day 2027 once the 2027 notice is imported, without a restart', async () => {
    const before = await deadlines();
    expect(before.firstResponseDue.slice(0, 10)).toBe('2027-01-01');
    expect(before.calendar.warnings).toEqual(['no holiday data for 2027; weekends only']);
    expect(await add()).toMatchObject({ at: '2027-01-01T17:00:00+08:00', calendar: { warnings: ['no holiday data for 2027; weekends only'] } });

    const r = await recordCalendarVersion(t.store, { file: 'holidays-2027.json', text: NOTICE, by: admin, now: () => new Date('2026-12-03T02:00:00Z') });
    expect(r).toMatchObject({ alreadyImported: false, version: { version: 1, years: [2027] } });

    const after = await deadlines();
    expect(after.firstResponseDue.slice(0, 10)).not.toBe('2027-01-01');
    // 元旦 1–3 January: the first working day after it is Monday the 4th, at the same wall time, in +08:00.
    expect(after.firstResponseDue).toBe(`2027-01-04${before.firstResponseDue.slice(10)}`);
    expect(after.firstResponseDue).toMatch(/\+08:00$/);
    expect(after.calendar.warnings).toEqual([]);
    expect(after.calendar.source).toContain('calendar v1');
    expect(await add()).toMatchObject({ at: '2027-01-04T17:00:00+08:00', calendar: { warnings: [] } });
  });

  it('PolicyInForce keeps the same policy object while no version is added, and the last one read when the store fails', async () => {
    const inForce = new PolicyInForce(t.store, DEFAULT_POLICY);
    const first = await inForce.current();
    expect(first).not.toBe(DEFAULT_POLICY);
    expect(await inForce.current()).toBe(first);
    const errors: unknown[] = [];
    const broken = new PolicyInForce({ readStream: () => Promise.reject(new Error('store down')) }, DEFAULT_POLICY);
    expect(await broken.current((err) => errors.push(err))).toBe(DEFAULT_POLICY);
    expect(errors.map((e) => (e as Error).message)).toEqual(['store down']);
  });
});

describe('the start-up warning that the holiday data ends', () => {
  it('no longer names 2027 once its notice is imported (read from the event store, as the API and the worker start)', async () => {
    const t = tempStore();
    try {
      const midYear = Date.parse('2026-06-01T09:00:00+08:00');
      const december = Date.parse('2026-12-04T09:00:00+08:00');
      const shipped = await policyInForce(DEFAULT_POLICY, t.store);
      expect(shipped).toBe(DEFAULT_POLICY);
      expect(calendarCoverageWarnings(shipped, midYear)).toEqual(['no holiday data for 2027; weekends only']);
      expect(calendarCoverageWarnings(shipped, december)).toEqual(['no holiday data for 2027; weekends only', 'no holiday data for 2028; weekends only']);

      await recordCalendarVersion(t.store, { file: 'holidays-2027.json', text: NOTICE, by: admin });
      expect(await readCalendarVersions(t.store)).toHaveLength(1);
      const imported = await policyInForce(DEFAULT_POLICY, t.store);
      expect(calendarCoverageWarnings(imported, midYear)).toEqual([]);
      // In December the year after next is within reach of a deadline: only it is still warned of.
      expect(calendarCoverageWarnings(imported, december)).toEqual(['no holiday data for 2028; weekends only']);

      // What the log gets: nothing on the calendar in force mid-year; on the shipped data, the warning naming 2027.
      const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
      const logger = { warn: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }) } as unknown as Logger;
      warnCalendarCoverage(imported, logger, midYear);
      expect(lines).toEqual([]);
      warnCalendarCoverage(shipped, logger, midYear);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.obj.warnings).toEqual(['no holiday data for 2027; weekends only']);
      expect(lines[0]!.msg).toMatch(/taizhang calendar import/);
    } finally {
      await t.cleanup();
    }
  });
});

describe('survey schedules on the calendar in force', () => {
  it('plan the 2027 Q1 round on the first working day after 元旦 once the notice is imported (ensure reads the versions)', async () => {
    const t = tempStore();
    try {
      const created: Array<{ scheduleId: string; spec: { calendars: Array<{ year: number; month: string; dayOfMonth: number; hour: number }> } }> = [];
      const client = {
        schedule: {
          getHandle: (id: string) => ({ describe: () => Promise.reject(new ScheduleNotFoundError('no schedule', id)) }),
          create: (o: (typeof created)[number]) => (created.push(o), Promise.resolve()),
        },
      } as unknown as Client;
      const logger = { info: () => undefined, warn: () => undefined } as unknown as Logger;
      const now = Date.parse('2026-12-04T09:00:00+08:00');
      const firstOf2027 = () => created.find((c) => c.scheduleId === 'survey-key')!.spec.calendars.find((c) => c.year === 2027)!;

      await new SurveySchedules(client, 'q', DEFAULT_POLICY, undefined, t.store).ensure(logger, now);
      expect(firstOf2027()).toMatchObject({ month: 'JANUARY', dayOfMonth: 1, hour: 9 });

      created.length = 0;
      await recordCalendarVersion(t.store, { file: 'holidays-2027.json', text: NOTICE, by: admin });
      await new SurveySchedules(client, 'q', DEFAULT_POLICY, undefined, t.store).ensure(logger, now);
      expect(firstOf2027()).toMatchObject({ month: 'JANUARY', dayOfMonth: 4, hour: 9 });
    } finally {
      await t.cleanup();
    }
  });
});

import { execFile } from 'node:child_process';
import path from 'node:path';
import type { ScheduleDescription } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localText, registerScheduleRoutes, scheduleView, type SurveySchedules } from '../../src/api/schedules';
import { localWhen } from '../../src/cli/commands/schedule';
import { ROOT } from '../../src/config/tools';
import { DEFAULT_POLICY } from '../../src/domain/policy';

/**
 * `GET /schedules` and `GET /schedules/:id` give every instant in the configured zone with its offset (as every route
 * does), the next runs also as text for people; `taizhang schedule list|describe` print local times. The Temporal
 * server is stood in for by a fixed description (the dev-server test, survey-schedules.test.ts, checks the real one).
 */
const NEXT = [new Date('2027-01-04T01:00:00Z'), new Date('2027-04-01T01:00:00Z')];
const description = {
  state: { paused: false, note: 'key survey rounds every quarter' },
  info: {
    nextActionTimes: NEXT,
    recentActions: [{ scheduledAt: new Date('2026-10-09T01:00:00Z'), takenAt: new Date('2026-10-09T01:00:02Z'), action: { type: 'startWorkflow', workflow: { workflowId: 'survey-cycle-key', firstExecutionRunId: 'r' } } }],
  },
  spec: { calendars: [{}, {}, {}] },
} as unknown as ScheduleDescription;

const fakeSchedules: Pick<SurveySchedules, 'ids' | 'describe' | 'trigger' | 'pause' | 'unpause'> = {
  ids: () => ['survey-key'],
  describe: () => Promise.resolve(description),
  trigger: () => Promise.resolve(),
  pause: () => Promise.resolve(),
  unpause: () => Promise.resolve(),
};

async function scheduleApp(timeZone: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', async (req) => {
    req.principal = { actor: 'admin-1', role: 'admin' } as NonNullable<typeof req.principal>;
  });
  registerScheduleRoutes(app, { schedules: fakeSchedules, policy: DEFAULT_POLICY, timeZone });
  await app.ready();
  return app;
}

describe('schedules in local time', () => {
  it('localText and scheduleView: the configured zone with its offset, the weekday in Chinese', () => {
    expect(localText(NEXT[0]!)).toBe('2027-01-04 09:00（周一）');
    expect(localText(NEXT[0]!, 'Europe/Berlin')).toBe('2027-01-04 02:00（周一）');
    // Past midnight in the zone: the local day (and weekday) is the zone's, not UTC's.
    expect(localText(new Date('2027-01-03T17:30:00Z'))).toBe('2027-01-04 01:30（周一）');
    const v = scheduleView('survey-key', DEFAULT_POLICY.surveys.cycles[0], description, 'Asia/Shanghai');
    expect(v.next).toEqual({ at: '2027-01-04T09:00:00+08:00', local: '2027-01-04 09:00（周一）' });
    expect(v.nextActionTimes.map((n) => n.at)).toEqual(['2027-01-04T09:00:00+08:00', '2027-04-01T09:00:00+08:00']);
    expect(v.recentActions).toEqual([{ scheduledAt: '2026-10-09T09:00:00+08:00', takenAt: '2026-10-09T09:00:02+08:00', workflowId: 'survey-cycle-key' }]);
    // The same instants, machine-readable.
    expect(v.nextActionTimes.map((n) => Date.parse(n.at))).toEqual(NEXT.map((d) => d.getTime()));
  });

  it.each([
    ['Asia/Shanghai', { at: '2027-01-04T09:00:00+08:00', local: '2027-01-04 09:00（周一）' }],
    ['Europe/Berlin', { at: '2027-01-04T02:00:00+01:00', local: '2027-01-04 02:00（周一）' }],
  ])('GET /schedules and /schedules/:id in %s', async (tz, next) => {
    const app = await scheduleApp(tz);
    try {
      const list = await app.inject({ method: 'GET', url: '/schedules' });
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json()).toEqual({ schedules: [{ id: 'survey-key', segment: 'key', every: 'quarter', paused: false, note: 'key survey rounds every quarter', next }] });
      const one = await app.inject({ method: 'GET', url: '/schedules/survey-key' });
      expect(one.statusCode, one.body).toBe(200);
      const d = one.json() as { nextActionTimes: Array<{ at: string }>; recentActions: Array<{ scheduledAt: string; takenAt: string }> };
      expect(d.nextActionTimes[0]).toEqual(next);
      for (const a of d.recentActions) for (const i of [a.scheduledAt, a.takenAt]) expect(i).toMatch(tz === 'Asia/Shanghai' ? /\+08:00$/ : /\+0[12]:00$/);
    } finally {
      await app.close();
    }
  });

  it('localWhen (the CLI) reads any offset and writes the CLI’s zone; what is no instant, as it is', () => {
    expect(localWhen('2027-01-04T01:00:00.000Z', 'Asia/Shanghai')).toBe('2027-01-04 09:00（周一）');
    expect(localWhen('2027-01-04T09:00:00+08:00', 'Asia/Shanghai')).toBe('2027-01-04 09:00（周一）');
    expect(localWhen('—', 'Asia/Shanghai')).toBe('—');
  });
});

/** The CLI as a child process, awaited (the API it calls runs in this process, so a synchronous spawn would block it). */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'taizhang.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('taizhang schedule list|describe print local times', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    app = await scheduleApp('Asia/Shanghai');
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
  });
  const env = { TAIZHANG_TIME_ZONE: 'Asia/Shanghai', TAIZHANG_TOKEN: '', PUBLIC_URL: '', LOG_LEVEL: 'warn' };

  it('list: the next round in Beijing time, the zone said once', async () => {
    const r = await cli(['schedule', 'list', '--url', url, '--token', 'admin-token'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('times in Asia/Shanghai, UTC+08:00\nsurvey-key\t运行中\t下次: 2027-01-04 09:00（周一）\tkey survey rounds every quarter\n');
  }, 60_000);

  it('describe: next action times and recent actions in local time, with the offset', async () => {
    const r = await cli(['schedule', 'describe', 'survey-key', '--url', url, '--token', 'admin-token'], { ...env, TAIZHANG_TIME_ZONE: 'Europe/Berlin' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('next action times (from the Temporal server, Europe/Berlin, UTC+01:00):');
    expect(r.stdout).toContain('  2027-01-04 02:00（周一）  2027-01-04T02:00:00+01:00');
    expect(r.stdout).toContain('  2026-10-09 03:00（周五） → survey-cycle-key');
    expect(r.stdout).not.toMatch(/\dZ\b/);
  }, 60_000);
});

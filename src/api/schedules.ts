import { createHash } from 'node:crypto';
import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { nextRoundStarts, type RoundStart } from '../domain/calendar/cycles';
import { forbidden, notFound } from '../domain/errors';
import { PolicyInForce } from '../calendar/in-force';
import { calendarForPolicy } from '../domain/policy/ref';
import type { Policy, SurveyCycle } from '../domain/policy/schema';
import type { EventStore } from '../events/store/port';
import { zonedIso } from '../support/local-time';
import { commandResponses, readResponses } from './schemas';
import { cycleInputCommand, signatureOf } from '../domain/signature';

/**
 * The survey cycles as Temporal Schedules (`survey-key`, `survey-ordinary`): created or updated when the API starts,
 * from the policy's cycles. Temporal's calendar specs cannot say "the first working day of the quarter", so each
 * schedule lists the concrete start of every round of the next years, computed on the business calendar (holidays and
 * 调休 make-up days); the server then fires at exactly those instants and says which are next.
 */
const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;
/** Rounds listed ahead: three years of quarters (a restart of the stack extends the list). */
const HORIZON_YEARS = 3;
export const CYCLE_WORKFLOW = 'surveyCycleWorkflow';
export const scheduleIdOf = (c: Pick<SurveyCycle, 'segment'>) => `survey-${c.segment}`;

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

interface Planned {
  id: string;
  cycle: SurveyCycle;
  starts: RoundStart[];
  spec: ScheduleSpec;
  action: ScheduleOptionsAction;
  hash: string;
}

export class SurveySchedules {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly policy: Policy,
    /** Seals each schedule's workflow input (TAIZHANG_COMMAND_KEYS): the workflow opens rounds only for a sealed one. */
    private readonly commandKey?: Buffer,
    /** Where imported calendar versions are: each `ensure` plans the rounds on the calendar in force with them. */
    store?: Pick<EventStore, 'readStream'>,
  ) {
    this.inForce = store ? new PolicyInForce(store, policy) : undefined;
  }

  private readonly inForce: PolicyInForce | undefined;

  private sealed(input: { segment: string; every: string; plan: string }): { segment: string; every: string; plan: string; sig?: string } {
    return this.commandKey ? { ...input, sig: signatureOf(this.commandKey, cycleInputCommand(input)) } : input;
  }

  /** What each cycle's schedule should be, from `now`, on `policy`'s calendar (default: the policy given, without versions). */
  plan(now = Date.now(), policy: Policy = this.policy): Planned[] {
    const calendar = calendarForPolicy(policy);
    return this.policy.surveys.cycles.map((cycle) => {
      const starts = nextRoundStarts(cycle, calendar, now, cycle.every === 'quarter' ? 4 * HORIZON_YEARS : 2 * HORIZON_YEARS);
      const spec: ScheduleSpec = {
        calendars: starts.map((s) => ({ year: s.local.year, month: MONTHS[s.local.month - 1]!, dayOfMonth: s.local.day, hour: s.local.hour, minute: s.local.minute, comment: `${s.period}${s.estimated ? ' (no holiday data: weekdays only)' : ''}` })),
        timezone: cycle.timeZone,
      };
      const hash = createHash('sha256').update(JSON.stringify({ spec, cycle, taskQueue: this.taskQueue })).digest('hex').slice(0, 16);
      const action: ScheduleOptionsAction = { type: 'startWorkflow', workflowType: CYCLE_WORKFLOW, workflowId: `survey-cycle-${cycle.segment}`, taskQueue: this.taskQueue, args: [this.sealed({ segment: cycle.segment, every: cycle.every, plan: hash })] };
      return { id: scheduleIdOf(cycle), cycle, starts, spec, action, hash };
    });
  }

  /** Creates what is missing and updates what differs (a paused schedule stays paused); never makes a second one. */
  async ensure(logger: Logger, now = Date.now()): Promise<Record<string, EnsureOutcome>> {
    const out: Record<string, EnsureOutcome> = {};
    const policy = (await this.inForce?.current((err) => logger.warn({ err: (err as Error).message }, 'calendar versions not read; survey rounds planned on the last known calendar'))) ?? this.policy;
    for (const p of this.plan(now, policy)) {
      const handle = this.client.schedule.getHandle(p.id);
      const current = await handle.describe().catch((err: unknown) => {
        if (err instanceof ScheduleNotFoundError) return undefined;
        throw err;
      });
      if (!current) {
        try {
          await this.client.schedule.create({
            scheduleId: p.id,
            spec: p.spec,
            action: p.action,
            policies: { overlap: 'SKIP', catchupWindow: '3 days' },
            state: { note: `${p.cycle.segment} survey rounds every ${p.cycle.every}, ${p.cycle.day} at ${p.cycle.at} ${p.cycle.timeZone}` },
          });
          out[p.id] = 'created';
        } catch (err) {
          // Another API node created it meanwhile.
          if ((err as Error).name !== 'ScheduleAlreadyRunning') throw err;
          out[p.id] = 'unchanged';
        }
      } else if ((current.action as { args?: Array<{ plan?: string }> }).args?.[0]?.plan === p.hash) {
        out[p.id] = 'unchanged';
      } else {
        await handle.update((prev) => ({ ...prev, spec: p.spec, action: p.action }));
        out[p.id] = 'updated';
      }
      logger.info({ schedule: p.id, outcome: out[p.id], next: p.starts[0]?.at }, 'survey schedule');
      // Past the holiday data only weekends count: a round may then fall on 元旦 or 国庆 until the year's holidays are
      // known (an imported notice, `taizhang calendar import`; the next reconciliation re-plans the schedule).
      const estimated = p.starts.filter((s) => s.estimated);
      if (estimated.length) logger.warn({ schedule: p.id, rounds: estimated.map((s) => `${s.period} ${s.at}`) }, 'survey rounds in years without holiday data: only weekends were counted');
    }
    return out;
  }

  ids(): string[] {
    return this.policy.surveys.cycles.map(scheduleIdOf);
  }

  private handle(id: string) {
    if (!this.ids().includes(id)) throw notFound('schedule.not_found', `no schedule ${id}; known: ${this.ids().join(', ')}`);
    return this.client.schedule.getHandle(id);
  }

  async describe(id: string): Promise<ScheduleDescription> {
    try {
      return await this.handle(id).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw notFound('schedule.not_found', `schedule ${id} does not exist on the Temporal server yet`);
      throw err;
    }
  }

  async trigger(id: string): Promise<void> {
    await this.describe(id);
    await this.handle(id).trigger('ALLOW_ALL');
  }

  async pause(id: string, note: string): Promise<void> {
    await this.describe(id);
    await this.handle(id).pause(note);
  }

  async unpause(id: string, note: string): Promise<void> {
    await this.describe(id);
    await this.handle(id).unpause(note);
  }
}

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
/** `2027-01-04 09:00（周一）`: an instant as people read it, in the configured zone (TAIZHANG_TIME_ZONE). */
export function localText(d: Date, timeZone = 'Asia/Shanghai'): string {
  const local = zonedIso(d.toISOString(), timeZone);
  return `${local.slice(0, 10)} ${local.slice(11, 16)}（${WEEKDAYS[new Date(`${local.slice(0, 10)}T00:00:00Z`).getUTCDay()]}）`;
}

// Every instant in the configured zone with its offset (as every route gives them), and beside the next runs the
// text a person reads.
const instant = (what: string) => z.string().describe(`${what}: ISO 8601 in the configured time zone with its offset, e.g. 2027-01-04T09:00:00+08:00`);
const nextAction = z.object({ at: instant('when the round starts'), local: z.string().describe('the same instant for people, in the configured time zone: 2027-01-04 09:00（周一）') });
const scheduleSummary = z.object({ id: z.string(), segment: z.string(), every: z.string(), paused: z.boolean(), note: z.string().nullable(), next: nextAction.nullable() });
const scheduleDetail = scheduleSummary.extend({
  nextActionTimes: z.array(nextAction).describe('from the Temporal server'),
  recentActions: z.array(z.object({ scheduledAt: instant('when the action was due'), takenAt: instant('when the server took it'), workflowId: z.string() })),
  rounds: z.number().int().describe('round starts listed in the schedule'),
});
const ok = z.object({ id: z.string(), done: z.string() });

/** A schedule as the API shows it: its instants in `timeZone` with their offset, the next runs also as local text. */
export function scheduleView(id: string, cycle: SurveyCycle | undefined, d: ScheduleDescription, timeZone = 'Asia/Shanghai') {
  const next = d.info.nextActionTimes.map((t) => ({ at: zonedIso(t.toISOString(), timeZone), local: localText(t, timeZone) }));
  return {
    id,
    segment: cycle?.segment ?? '',
    every: cycle?.every ?? '',
    paused: d.state.paused,
    note: d.state.note ?? null,
    next: next[0] ?? null,
    nextActionTimes: next,
    recentActions: d.info.recentActions.map((a) => ({
      scheduledAt: zonedIso(a.scheduledAt.toISOString(), timeZone),
      takenAt: zonedIso(a.takenAt.toISOString(), timeZone),
      workflowId: 'workflow' in a.action ? a.action.workflow.workflowId : '',
    })),
    rounds: d.spec.calendars?.length ?? 0,
  };
}

/** `GET /schedules`, `GET /schedules/:id`, `POST /schedules/:id/{trigger,pause,unpause}`: for admins. */
export function registerScheduleRoutes(app: FastifyInstance, deps: { schedules?: Pick<SurveySchedules, 'ids' | 'describe' | 'trigger' | 'pause' | 'unpause'>; policy: Policy; timeZone?: string }): void {
  const schedules = deps.schedules;
  if (!schedules) return;
  const timeZone = deps.timeZone ?? 'Asia/Shanghai';
  const cycleOf = (id: string) => deps.policy.surveys.cycles.find((c) => scheduleIdOf(c) === id);
  const admin = (role: string) => {
    if (role !== 'admin') throw forbidden('role.not_allowed', `role ${role} may not manage schedules; allowed: admin`);
  };
  const tags = ['Schedules'];
  const params = z.object({ id: z.string().max(100) });
  app.get('/schedules', { schema: { operationId: 'schedules.list', summary: 'The survey cycles’ Temporal Schedules and their next round', tags, response: readResponses(z.object({ schedules: z.array(scheduleSummary) })) } }, async (req) => {
    admin(req.principal!.role);
    const out = [];
    for (const id of schedules.ids()) {
      const d = await schedules.describe(id).catch(() => undefined);
      if (d) out.push(scheduleSummary.parse(scheduleView(id, cycleOf(id), d, timeZone)));
    }
    return { schedules: out };
  });
  app.get('/schedules/:id', { schema: { operationId: 'schedules.describe', summary: 'A schedule as the Temporal server has it: its next action times, recent actions, paused or not', tags, params, response: readResponses(scheduleDetail) } }, async (req) => {
    admin(req.principal!.role);
    const { id } = req.params as { id: string };
    return scheduleView(id, cycleOf(id), await schedules.describe(id), timeZone);
  });
  const body = z.object({ reason: z.string().max(500).optional() }).strict().optional();
  for (const action of ['trigger', 'pause', 'unpause'] as const) {
    app.post(`/schedules/:id/${action}`, { schema: { operationId: `schedules.${action}`, summary: action === 'trigger' ? 'Start the cycle’s round now (a round of the same period is not made twice)' : `${action === 'pause' ? 'Pause' : 'Unpause'} a schedule, with a note`, tags, params, body, response: commandResponses(200, ok) } }, async (req) => {
      const who = req.principal!;
      admin(who.role);
      const { id } = req.params as { id: string };
      const reason = (req.body as { reason?: string } | undefined)?.reason;
      const note = `${action}d by ${who.actor}${reason ? `: ${reason}` : ''}`;
      if (action === 'trigger') await schedules.trigger(id);
      else if (action === 'pause') await schedules.pause(id, note);
      else await schedules.unpause(id, note);
      return { id, done: action };
    });
  }
}

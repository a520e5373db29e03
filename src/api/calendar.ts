import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PolicyInForce, readCalendarVersions } from '../calendar/in-force';
import { importCalendarVersion } from '../calendar/versions';
import type { EventStore } from '../events/store/port';
import { requireRole } from './auth';
import type { TemporalGateway } from './gateway';
import { commandResponses } from './schemas';
import type { CalendarAddResult } from '../domain/calendar/add';
import { calendarAddFor, calendarAddQuery, type CalendarAddQuery } from '../domain/calendar/calculator';
import { calendarForPolicy } from '../domain/policy/ref';
import type { Policy } from '../domain/policy/schema';
import { readResponses } from './schemas';

/**
 * The calendar calculator (`GET /calendar/add`, `taizhang calendar add`): an instant plus business time on the policy's
 * calendar, computed by the same function that sets every deadline's due instant.
 */

export const calendarAddResultSchema = z.object({
  at: z.string().describe('the instant reached, ISO 8601 in the calendar’s offset, e.g. 2026-10-09T16:00:00+08:00'),
  calendar: z.object({
    source: z.string().describe('what the holiday rules come from, e.g. chinese-days@1.5.7 (data 2004–2026)'),
    warnings: z.array(z.string()).describe('years between from and at without holiday data: weekends only apply there'),
  }),
}) satisfies z.ZodType<CalendarAddResult>;

const versionSummary = z.object({
  version: z.number().describe('calendar version, 1 for the first import'),
  file: z.string().describe('the imported file’s name'),
  source: z.string().describe('the notice the data comes from'),
  years: z.array(z.number()),
  holidays: z.number().describe('holiday days (放假) in the notice'),
  workdays: z.number().describe('make-up working days (调休上班) in the notice'),
  importedBy: z.string(),
  importedAt: z.string(),
});
const importBody = z
  .object({
    file: z.string({ message: 'is required' }).trim().min(1, 'is required').max(200, 'must be at most 200 characters').describe('the file’s name, ending .json or .csv (the format follows it)'),
    content: z.string({ message: 'is required' }).min(1, 'is required').max(1_000_000, 'must be at most 1000000 characters').describe('the file’s text (docs/holidays.md)'),
  })
  .strict();
const importResult = z.object({
  version: versionSummary,
  alreadyImported: z.boolean().describe('the same notice was imported before: nothing recorded, and no re-plan is made twice'),
  replanned: z.array(z.object({ process: z.string().describe('complaint, enquiry, change, corrective …'), id: z.string(), moved: z.array(z.object({ deadline: z.string(), fromDue: z.string(), toDue: z.string() })), calendarWarnings: z.array(z.string()) })),
  failed: z.array(z.object({ process: z.string(), id: z.string(), error: z.string() })),
});
const summary = (v: Awaited<ReturnType<typeof readCalendarVersions>>[number]): z.infer<typeof versionSummary> => ({
  version: v.version,
  file: v.file,
  source: v.source,
  years: v.years,
  holidays: v.holidays.length,
  workdays: v.workdays.length,
  importedBy: v.importedBy,
  importedAt: v.importedAt,
});


export function registerCalendarRoutes(app: FastifyInstance, deps: { policy: Policy; store?: EventStore; gateway?: TemporalGateway }): void {
  const { store, gateway } = deps;
  // The calendar of the policy in force, with every imported version as the store has them at each request.
  const inForce = store ? new PolicyInForce(store, deps.policy) : undefined;
  if (store && gateway) {
    // New processes start on the policy with every version, as the shared store has them at each start: an import on
    // another API node is used here from the next start on.
    gateway.usePolicyInForce(() => inForce!.current((err) => app.log.warn({ err }, 'calendar versions not read; new processes start on the last known calendar')));
    app.get(
      '/calendar/versions',
      {
        schema: {
          operationId: 'calendar.versions',
          summary: 'The imported holiday notices (calendar versions), oldest first',
          tags: ['Calendar'],
          response: readResponses(z.object({ versions: z.array(versionSummary) })),
        },
      },
      async () => ({ versions: (await readCalendarVersions(store)).map(summary) }),
    );
    app.post(
      '/calendar/versions',
      {
        schema: {
          operationId: 'calendar.import',
          summary: 'Import a State Council holiday notice as a calendar version (admin); open processes whose deadlines run into its year or used weekends-only data are re-planned',
          tags: ['Calendar'],
          body: importBody,
          response: commandResponses(200, importResult),
        },
      },
      async (req) => {
        requireRole(req.principal!, ['admin'], 'import holiday data');
        const body = req.body as z.infer<typeof importBody>;
        const r = await importCalendarVersion({ store, gateway, basePolicy: deps.policy }, { file: body.file.replace(/^.*[\\/]/, ''), text: body.content, by: { actor: req.principal!.actor, role: req.principal!.role } });
        return { ...r, version: summary(r.version) };
      },
    );
  }
  app.get(
    '/calendar/add',
    {
      schema: {
        operationId: 'calendar.add',
        summary: 'Calendar calculator: an instant plus working days or business minutes on the configured business calendar',
        tags: ['Calendar'],
        querystring: calendarAddQuery,
        response: readResponses(calendarAddResultSchema),
      },
    },
    async (req) => calendarAddFor(calendarForPolicy(inForce ? await inForce.current((err) => req.log.warn({ err }, 'calendar versions not read; the last known calendar computes')) : deps.policy), req.query as CalendarAddQuery),
  );
}

import { z } from 'zod';
import { CUSTOMER_CLASSES, SEVERITIES, type CustomerClass, type Severity } from '../../domain/enums';
import { isoInstant, oneOf } from '../../domain/fields';
import type { Policy } from '../../domain/policy/schema';
import { computeDeadlines } from './sla';

/** The deadline calculator (`GET /sla/deadlines`, `taizhang sla deadlines`): what a complaint received then would get. Node side. */

// `<ISO instant>/<ISO instant>`, with the instant's own pattern on both sides, so a client's schema is the server's rule.
const instantPattern = (isoInstant as unknown as { _zod: { pattern: RegExp } })._zod.pattern.source.replace(/^\^|\$$/g, '');
/** A pause is the stretch between its two instants, given in either order. */
const pauseParam = z
  .string()
  .regex(new RegExp(`^(?:${instantPattern})/(?:${instantPattern})$`), 'must be <ISO instant>/<ISO instant>, e.g. 2026-10-09T10:00:00+08:00/2026-10-09T11:00:00+08:00')
  .transform((v) => {
    const [a, b] = v.split('/') as [string, string];
    return Date.parse(a) <= Date.parse(b) ? { from: a, to: b } : { from: b, to: a };
  });

export const deadlinesQuery = z
  .object({
    received: isoInstant.describe('when the complaint is received'),
    severity: oneOf(SEVERITIES),
    customerClass: oneOf(CUSTOMER_CLASSES).default('ordinary'),
    pause: z.union([pauseParam, z.array(pauseParam)]).optional().describe('a pause as <ISO>/<ISO>, repeatable'),
  })
  .strict();

const point = z.object({ level: z.number(), role: z.string(), at: z.string() });
export const deadlineReportSchema = z.object({
  firstResponseDue: z.string(),
  resolutionDue: z.string(),
  warningAt: z.string(),
  escalations: z.array(point),
  firstResponseEscalations: z.array(point),
  policy: z.string(),
  calendar: z.object({ source: z.string(), warnings: z.array(z.string()) }),
});
export type DeadlineReport = z.infer<typeof deadlineReportSchema>;

function deadlineReport(
  policy: Policy,
  input: { receivedAt: string; severity: Severity; customerClass: CustomerClass; pauses?: Array<{ from: string; to: string }> },
): DeadlineReport {
  const d = computeDeadlines({ receivedAt: input.receivedAt, severity: input.severity, customerClass: input.customerClass, pauses: input.pauses ?? [] }, policy);
  return {
    firstResponseDue: d.firstResponseDue,
    resolutionDue: d.resolutionDue,
    warningAt: d.warningAt,
    escalations: d.escalations,
    firstResponseEscalations: d.firstResponse.escalations,
    policy: d.policy,
    calendar: d.calendar,
  };
}

/** The query, parsed, as the report's input. */
export function reportFor(policy: Policy, q: z.infer<typeof deadlinesQuery>): DeadlineReport {
  const pauses = q.pause === undefined ? [] : Array.isArray(q.pause) ? q.pause : [q.pause];
  return deadlineReport(policy, { receivedAt: q.received, severity: q.severity, customerClass: q.customerClass, pauses });
}

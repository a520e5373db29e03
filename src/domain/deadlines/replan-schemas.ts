import { z } from 'zod';
import { extraHolidaysSchema } from '../calendar/settings';
import { entityId, isoInstant } from '../fields';
import { anyDeadlineSchema, basisSchema } from './schema';

/**
 * Node side (the workflow bundle leaves this module out, see NODE_SIDE_MODULES): the schemas of the kernel's re-plan
 * on new holiday data (src/domain/deadlines/replan.ts), shared by every process with deadlines.
 */

/** Re-plan the open deadlines on an imported calendar version; the version's data travels in the command (replay reads it). */
export const replanDeadlinesInput = z
  .object({
    calendarVersion: z.number({ message: 'is required' }).int('must be a whole number').min(1, 'must be 1 or more').describe('the calendar version to re-plan on'),
    extraHolidays: extraHolidaysSchema.describe('the holidays and make-up days of every imported version, as the calendar reads them'),
  })
  .strict();

const movedDeadline = z
  .object({
    deadline: z.string(),
    fromDue: isoInstant,
    toDue: isoInstant,
    fromWarnAt: isoInstant.nullable(),
    toWarnAt: isoInstant.nullable(),
    fromEscalations: z.array(isoInstant),
    toEscalations: z.array(isoInstant),
  })
  .strict();

/** `<Process>DeadlinesReplanned`: what moved (old and new instants), the moved deadlines by slot, the new basis and calendar. */
export const deadlinesReplannedSchema = (idField: string) =>
  z
    .object({
      [idField]: entityId,
      calendarVersion: z.number().int().min(1),
      moved: z.array(movedDeadline),
      deadlines: z.record(z.string(), anyDeadlineSchema),
      basis: basisSchema,
      /** The holidays the deadlines are now computed with: the next re-plan counts from this calendar. */
      extraHolidays: extraHolidaysSchema,
    })
    .strict();

/**
 * The catalogue entry of a process's re-plan event: version 1, or version 2 above an earlier shape of the process's
 * own (`fromVersion1` brings that data up).
 */
export function deadlinesReplannedSpec(idField: string, fromVersion1?: (data: unknown) => unknown): { version: number; schema: z.ZodType; upcasters?: Record<number, (data: unknown) => unknown> } {
  const schema = deadlinesReplannedSchema(idField);
  return fromVersion1 ? { version: 2, schema, upcasters: { 1: fromVersion1 } } : { version: 1, schema };
}

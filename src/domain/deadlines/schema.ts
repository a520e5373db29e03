import { z } from 'zod';
import { isoInstant, oneOf } from '../fields';
import { ROLES } from '../roles';

/**
 * The stored shape of a deadline (events carry it, so replay shows why a deadline was what it was). The types of the
 * deadline module derive from these schemas; workflow code imports the types only.
 */
export const escalationPointSchema = z.object({ level: z.number().int().min(1), role: oneOf(ROLES), at: isoInstant }).strict();

const deadlineShape = {
  due: isoInstant,
  /** The target in business minutes (after halving for key customers). */
  targetMinutes: z.number().nonnegative(),
  warnAt: isoInstant.nullable(),
  escalations: z.array(escalationPointSchema),
};

/** A deadline of one of the given kinds, e.g. `deadlineSchema(['first_response', 'resolution'])`. */
export const deadlineSchema = <K extends readonly [string, ...string[]]>(kinds: K) => z.object({ kind: oneOf(kinds), ...deadlineShape }).strict();

/** A deadline of any kind (the kernel's re-plan records those of every process). */
export const anyDeadlineSchema = z.object({ kind: z.string(), ...deadlineShape }).strict();

export type EscalationPoint = z.infer<typeof escalationPointSchema>;
export type Deadline<K extends string = string> = Omit<z.infer<typeof anyDeadlineSchema>, 'kind'> & { kind: K };

/** What the calendar and policy said when deadlines were computed. */
export const basisSchema = z.object({ policy: z.string(), calendar: z.object({ source: z.string(), warnings: z.array(z.string()) }).strict() }).strict();
export type Basis = z.infer<typeof basisSchema>;

/** Event data of a warning (`…WarningIssued`) and an escalation (`…Escalated`), the same for every process. */
export const warningData = <K extends readonly [string, ...string[]]>(kinds: K) => ({ deadline: oneOf(kinds), dueAt: isoInstant, warnAt: isoInstant });
export const escalationData = <K extends readonly [string, ...string[]]>(kinds: K) => ({
  deadline: oneOf(kinds),
  level: z.number().int().min(1),
  role: oneOf(ROLES),
  dueAt: isoInstant,
  escalateAt: isoInstant,
  reason: z.string(),
});

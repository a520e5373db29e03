import { z } from 'zod';

/** Response shapes every route shares, so the OpenAPI document declares each status a route can answer. */

export const errorBody = z
  .object({
    error: z.string().describe('validation, forbidden, not_found, illegal_state, concurrency, unauthorized, rate_limited, bad_request, method_not_allowed'),
    code: z.string().optional(),
    message: z.string(),
    issues: z.array(z.object({ field: z.string(), rule: z.string() })).optional().describe('each field and the rule it broke'),
  })
  .describe('An error: what went wrong, and for invalid input each field and rule');

export const commandResult = z.object({
  streamName: z.string(),
  revision: z.number().int().describe('revision of the stream’s last event after the command'),
  position: z.string().nullable().describe('global position of the last event written; null when nothing changed'),
  eventIds: z.array(z.string()),
  eventTypes: z.array(z.string()),
});

/** 4xx answers any authenticated route may give: bad input, no or bad token, wrong role, unknown thing, too many requests. */
const COMMON_ERRORS = [400, 401, 403, 404, 429] as const;
/** What a command may also meet: a wrong state (409), a concurrent writer (412), a body too large or not JSON. */
const COMMAND_ERRORS = [409, 412, 413, 415] as const;

const errors = (codes: readonly number[]) => Object.fromEntries(codes.map((c) => [c, errorBody]));

export const readResponses = (ok: z.ZodType) => ({ 200: ok, ...errors(COMMON_ERRORS) });
export const commandResponses = (status: 200 | 201, ok: z.ZodType) => ({ [status]: ok, ...errors([...COMMON_ERRORS, ...COMMAND_ERRORS]) });
/** Public routes (health, metrics) still rate-limit. */
export const publicResponses = (ok: z.ZodType, extra: Record<number, z.ZodType> = {}) => ({ 200: ok, 429: errorBody, ...extra });

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\w.:-]{8,200}$/, 'must be 8–200 characters of letters, digits, . _ : -')
    .optional()
    .describe('makes a retried request safe: the same key gets the same result and appends nothing new'),
});

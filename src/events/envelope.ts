import { z } from 'zod';
import { ROLES } from '../domain/roles';

/** Who did it, when and why: carried by every event so that an auditor can replay every ledger change. */
export const eventMetadata = z.object({
  actor: z.string().min(1),
  role: z.enum([...ROLES, 'system', 'respondent']),
  reason: z.string().optional(),
  /** Business time of the fact (the workflow clock), ISO 8601. */
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().min(1),
  causationId: z.string().min(1),
  workflowId: z.string().min(1),
  runId: z.string().min(1),
  schemaVersion: z.number().int().min(1),
});
export type EventMetadata = z.infer<typeof eventMetadata>;

/** The envelope every event is stored in (README, Architecture). `id` is deterministic (stream owner + revision) so retries append nothing twice. */
export interface EventEnvelope<T extends string = string, D = unknown> {
  id: string;
  type: T;
  data: D;
  metadata: EventMetadata;
}

/** An envelope as the store returns it. Positions are decimal strings: JSON and Temporal payloads cannot carry bigint. */
export interface RecordedEvent<T extends string = string, D = unknown> extends EventEnvelope<T, D> {
  streamName: string;
  /** 0-based revision within the stream. */
  revision: number;
  /** Global position in `$all`, a decimal string; compare with `comparePositions`. */
  position: string;
  /** When the store recorded it (store clock), ISO 8601. */
  recordedAt: string;
}

/** Compares two decimal position strings without precision loss. */
export function comparePositions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The position before every event: read or subscribe from here to get everything. */
export const START = '0';

import type { TemporalGateway } from '../api/gateway';
import { policyWithVersions, readCalendarVersions } from './in-force';
import { calendarVersionEventId, calendarVersionSchema, CALENDAR_STREAM, CALENDAR_VERSION_RECORDED, noticeDigest, parseNotice, type CalendarVersion } from './notice';
import { illegalState } from '../domain/errors';
import type { CommandMeta } from '../domain/process';
import type { Policy } from '../domain/policy/schema';
import type { EventStore } from '../events/store/port';
import { readEntity } from '../events/entities';
import { complaintProcess } from '../processes/complaint';
import type { ComplaintState } from '../processes/complaint/decider';
import type { ComplaintEventOf } from '../processes/complaint/schemas';

/**
 * Calendar versions (imported holiday notices) on the node side: stored as `CalendarVersionRecorded` events in the
 * `calendar-holidays` stream, added to the policy new processes start with, and sent to the open complaints whose
 * deadlines were computed without holiday data so they are re-planned.
 */

export interface ReplannedRecord {
  complaintId: string;
  /** Per deadline moved, the old and the new due instant. */
  moved: Array<{ deadline: string; fromDue: string; toDue: string }>;
  /** The warnings the complaint still carries after re-planning (years no version covers). */
  calendarWarnings: string[];
}

export interface ImportResult {
  version: CalendarVersion;
  /** True when the same notice was imported before: nothing was recorded or sent. */
  alreadyImported: boolean;
  replanned: ReplannedRecord[];
  /** Open complaints that could not be re-planned, with the reason (they keep their deadlines). */
  failed: Array<{ complaintId: string; error: string }>;
}

/** Open complaints whose latest deadlines were computed with a year of weekends-only data. */
async function complaintsToReplan(store: EventStore): Promise<string[]> {
  const warned = new Map<string, boolean>();
  const types = ['ComplaintReceived', 'ComplaintReopened', 'ComplaintDeadlinesReplanned'];
  for await (const e of store.readAll({ filter: { streamPrefixes: ['complaint-'], eventTypes: types } })) {
    const data = e.data as ComplaintEventOf<'ComplaintReceived'>['data'];
    warned.set(data.complaintId, data.basis.calendar.warnings.length > 0);
  }
  const out: string[] = [];
  for (const [id, hasWarnings] of warned) {
    if (!hasWarnings) continue;
    const { state } = await readEntity<ComplaintState>(store, complaintProcess, id);
    if (state.status === 'none' || complaintProcess.isFinal?.(state)) continue;
    if ((state.calendarWarnings ?? state.basis.calendar.warnings).length) out.push(id);
  }
  return out.sort();
}

/**
 * Parses and validates a notice and records it as the next calendar version (a re-import of the same days records
 * nothing): the version, whether it was known, and every version after it.
 */
export async function recordCalendarVersion(
  store: EventStore,
  input: { file: string; text: string; by: CommandMeta; now?: () => Date },
): Promise<{ version: CalendarVersion; alreadyImported: boolean; versions: CalendarVersion[] }> {
  const notice = parseNotice(input.text, input.file);
  const digest = noticeDigest(notice);
  const existing = await readCalendarVersions(store);
  const known = existing.find((v) => v.digest === digest);
  let version: CalendarVersion;
  if (known) version = known;
  else {
    version = calendarVersionSchema.parse({
      version: existing.length + 1,
      file: input.file,
      digest,
      source: notice.source,
      years: [notice.year],
      holidays: notice.holidays,
      workdays: notice.workdays,
      importedBy: input.by.actor,
      importedAt: (input.now?.() ?? new Date()).toISOString(),
    });
    const id = calendarVersionEventId(digest);
    await store.append(
      CALENDAR_STREAM,
      [
        {
          id,
          type: CALENDAR_VERSION_RECORDED,
          data: version,
          metadata: {
            actor: input.by.actor,
            role: input.by.role as never,
            reason: `calendar import ${input.file}`,
            occurredAt: version.importedAt,
            correlationId: id,
            causationId: id,
            workflowId: 'calendar-import',
            runId: digest,
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: existing.length ? existing.length - 1 : 'no_stream' },
    );
  }
  return { version, alreadyImported: Boolean(known), versions: known ? existing : [...existing, version] };
}

/**
 * Imports a notice: parses and validates it, records it as the next calendar version (a re-import of the same days
 * records nothing), switches the gateway to the policy with every version, and re-plans each open complaint whose
 * deadlines used weekends-only data, as `by` (an admin).
 */
export async function importCalendarVersion(
  deps: { store: EventStore; gateway: TemporalGateway; basePolicy: Policy },
  input: { file: string; text: string; by: CommandMeta; now?: () => Date },
): Promise<ImportResult> {
  const { version, alreadyImported, versions } = await recordCalendarVersion(deps.store, input);
  const policy = policyWithVersions(deps.basePolicy, versions);
  deps.gateway.usePolicy(policy);
  const extraHolidays = policy.calendar.extraHolidays;
  if (!extraHolidays) throw illegalState('calendar.no_versions', 'no calendar version to re-plan on');

  const replanned: ReplannedRecord[] = [];
  const failed: ImportResult['failed'] = [];
  const top = Math.max(...versions.map((v) => v.version));
  for (const complaintId of await complaintsToReplan(deps.store)) {
    try {
      const r = await deps.gateway.command(complaintProcess, complaintId, 'replanDeadlines', { calendarVersion: top, extraHolidays }, input.by, { idempotencyKey: `calendar-v${top}-${version.digest.slice(0, 16)}` });
      if (!r.eventTypes.includes('ComplaintDeadlinesReplanned')) continue;
      const events = await deps.store.readStream(`complaint-${complaintId}`);
      const e = events.filter((x) => x.type === 'ComplaintDeadlinesReplanned').at(-1);
      const data = e?.data as ComplaintEventOf<'ComplaintDeadlinesReplanned'>['data'] | undefined;
      if (data) replanned.push({ complaintId, moved: data.moved.map((m) => ({ deadline: m.deadline, fromDue: m.fromDue, toDue: m.toDue })), calendarWarnings: data.basis.calendar.warnings });
    } catch (err) {
      const e = err as Error & { cause?: Error & { cause?: Error } };
      failed.push({ complaintId, error: [e.message, e.cause?.message, e.cause?.cause?.message].filter(Boolean).join(': ') });
    }
  }
  return { version, alreadyImported, replanned, failed };
}

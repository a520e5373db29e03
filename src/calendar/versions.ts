import type { TemporalGateway } from '../api/gateway';
import { policyWithVersions, readCalendarVersions } from './in-force';
import { calendarVersionEventId, calendarVersionSchema, CALENDAR_STREAM, CALENDAR_VERSION_RECORDED, noticeDigest, parseNotice, type CalendarVersion } from './notice';
import { illegalState } from '../domain/errors';
import type { ExtraHolidays } from '../domain/calendar/settings';
import { isNotification } from '../domain/notifications';
import { streamOf, type CommandMeta, type ProcessDefinition } from '../domain/process';
import type { Policy } from '../domain/policy/schema';
import type { EventStore } from '../events/store/port';
import { upcast } from '../events/catalogue';
import { PROCESSES } from '../processes/registry';
import { mayMove, replannedEventOf, type DeadlinesReplannedData } from '../domain/deadlines/replan';
import { calendarForPolicy } from '../domain/policy/ref';

/**
 * Calendar versions (imported holiday notices) on the node side: stored as `CalendarVersionRecorded` events in the
 * `calendar-holidays` stream, added to the policy new processes start with, and sent to the open processes whose
 * deadlines run into the years a version covers or were computed without holiday data, so they are re-planned.
 */

export interface ReplannedRecord {
  /** The process (`complaint`, `enquiry`, `change`, …) and the entity's id. */
  process: string;
  id: string;
  /** Per deadline moved, the old and the new due instant. */
  moved: Array<{ deadline: string; fromDue: string; toDue: string }>;
  /** The warnings it still carries after re-planning (years no version covers). */
  calendarWarnings: string[];
}

export interface ImportResult {
  version: CalendarVersion;
  /** True when the same notice was imported before: nothing was recorded or sent. */
  alreadyImported: boolean;
  replanned: ReplannedRecord[];
  /** Open processes that could not be re-planned, with the reason (they keep their deadlines). */
  failed: Array<{ process: string; id: string; error: string }>;
}

/**
 * The open entities of every process with deadlines (see `deadlines` on a process definition) whose deadlines a new
 * version of `years` may move (mayMove), folded from one read of their streams. Entities started or re-planned on the
 * calendar in force are left alone, so importing the same notice again sends nothing.
 */
async function entitiesToReplan(store: EventStore, years: readonly number[], inForce: { source: string; extraHolidays: ExtraHolidays }): Promise<Array<{ process: ProcessDefinition; id: string }>> {
  const replannable = PROCESSES.filter((p) => p.deadlines);
  const entities = new Map<string, { process: ProcessDefinition; state: unknown }>();
  for await (const e of store.readAll({ filter: { streamPrefixes: replannable.map((p) => `${p.name}-`) } })) {
    if (isNotification(e)) continue;
    let entity = entities.get(e.streamName);
    if (!entity) {
      const p = replannable.find((x) => e.streamName.startsWith(`${x.name}-`))!;
      entities.set(e.streamName, (entity = { process: p, state: p.decider.initialState() }));
    }
    entity.state = entity.process.decider.evolve(entity.state, { type: e.type, data: upcast(e.type, e.metadata.schemaVersion, e.data) });
  }
  return [...entities]
    .filter(([, { process: p, state }]) => mayMove(p.deadlines!, state, inForce, years))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([stream, { process: p }]) => ({ process: p, id: stream.slice(p.name.length + 1) }));
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
 * records nothing), switches the gateway to the policy with every version, and re-plans each open process whose
 * deadlines it may move (see entitiesToReplan), as `by` (an admin).
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
  for (const { process: p, id } of await entitiesToReplan(deps.store, version.years, { source: calendarForPolicy(policy).source, extraHolidays })) {
    try {
      const r = await deps.gateway.command(p, id, 'replanDeadlines', { calendarVersion: top, extraHolidays }, input.by, { idempotencyKey: `calendar-v${top}-${version.digest.slice(0, 16)}` });
      const type = replannedEventOf(p);
      if (!r.eventTypes.includes(type)) continue;
      const e = (await deps.store.readStream(streamOf(p, id))).filter((x) => x.type === type).at(-1);
      if (!e) continue;
      const data = upcast(e.type, e.metadata.schemaVersion, e.data) as DeadlinesReplannedData;
      replanned.push({ process: p.name, id, moved: data.moved.map((m) => ({ deadline: m.deadline, fromDue: m.fromDue, toDue: m.toDue })), calendarWarnings: data.basis.calendar.warnings });
    } catch (err) {
      const e = err as Error & { cause?: Error & { cause?: Error } };
      failed.push({ process: p.name, id, error: [e.message, e.cause?.message, e.cause?.cause?.message].filter(Boolean).join(': ') });
    }
  }
  return { version, alreadyImported, replanned, failed };
}

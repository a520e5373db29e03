import { calendarVersionSchema, calendarWithVersions, CALENDAR_STREAM, CALENDAR_VERSION_RECORDED, type CalendarVersion } from './notice';
import type { Policy } from '../domain/policy/schema';
import type { EventStore } from '../events/store/port';
import { upcast } from '../events/catalogue';

/**
 * The calendar in force: the policy's calendar with every imported holiday notice (calendar version). Everything that
 * computes business time for people — the calculators (`/sla/deadlines`, `/calendar/add`, `taizhang calendar add`,
 * `taizhang sla deadlines`), the start-up warning that the holiday data ends — reads it from here, so none of them
 * counts on the shipped data alone once a notice was imported.
 */

/** Every imported version, oldest first. */
export async function readCalendarVersions(store: Pick<EventStore, 'readStream'>): Promise<CalendarVersion[]> {
  const events = await store.readStream(CALENDAR_STREAM);
  return events.filter((e) => e.type === CALENDAR_VERSION_RECORDED).map((e) => calendarVersionSchema.parse(upcast(e.type, e.metadata.schemaVersion, e.data)));
}

/** The policy with every imported version in its calendar (the base policy's own extra holidays kept for other years). */
export function policyWithVersions(base: Policy, versions: readonly CalendarVersion[]): Policy {
  return versions.length ? { ...base, calendar: calendarWithVersions(base.calendar, versions) } : base;
}

/**
 * The base policy with the versions as the store has them now, read at each call (a handful of events), so an import on
 * any node is seen at once; the same policy object while no version was added (the calendar built from it is reused).
 */
export class PolicyInForce {
  private key = '';
  private last: Policy;

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    readonly base: Policy,
  ) {
    this.last = base;
  }

  /** The policy new computations use; when the store cannot be read, the last one read (the base at first). */
  async current(onError?: (err: unknown) => void): Promise<Policy> {
    let versions: CalendarVersion[];
    try {
      versions = await readCalendarVersions(this.store);
    } catch (err) {
      onError?.(err);
      return this.last;
    }
    const key = versions.map((v) => `${v.version}:${v.digest}`).join(',');
    if (key !== this.key) {
      this.key = key;
      this.last = policyWithVersions(this.base, versions);
    }
    return this.last;
  }
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { policyWithVersions, readCalendarVersions } from '../calendar/in-force';
import { extraHolidaysSchema } from '../domain/calendar';
import { DomainError } from '../domain/errors';
import { calendarForPolicy, parsePolicy, POLICY_PROFILES, type Policy } from '../domain/policy';
import type { EventStore } from '../events/store/port';
import { ConfigError, type Config } from './config';

function readJson(variable: string, file: string): unknown {
  try {
    return JSON.parse(readFileSync(path.resolve(file), 'utf8'));
  } catch (err) {
    throw new ConfigError(variable, `must name a readable JSON file (${file}: ${(err as Error).message})`);
  }
}

/**
 * The policy in force: TAIZHANG_POLICY_FILE, else the shipped profile TAIZHANG_POLICY names (default: the one docs/domain.md describes),
 * with TAIZHANG_HOLIDAYS_FILE's holidays and make-up days added to its calendar. A wrong file stops start-up naming the
 * field and the rule.
 */
export function loadPolicy(config: Pick<Config, 'TAIZHANG_POLICY_FILE' | 'TAIZHANG_HOLIDAYS_FILE'> & Partial<Pick<Config, 'TAIZHANG_POLICY'>>): Policy {
  let policy = POLICY_PROFILES[config.TAIZHANG_POLICY ?? 'default']!;
  if (config.TAIZHANG_POLICY_FILE) {
    try {
      policy = parsePolicy(readJson('TAIZHANG_POLICY_FILE', config.TAIZHANG_POLICY_FILE));
    } catch (err) {
      if (err instanceof DomainError) throw new ConfigError('TAIZHANG_POLICY_FILE', err.issues.map((i) => `${i.field} ${i.rule}`).join('; '));
      throw err;
    }
  }
  if (config.TAIZHANG_HOLIDAYS_FILE) {
    const parsed = extraHolidaysSchema.safeParse({ name: path.basename(config.TAIZHANG_HOLIDAYS_FILE), ...(readJson('TAIZHANG_HOLIDAYS_FILE', config.TAIZHANG_HOLIDAYS_FILE) as object) });
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new ConfigError('TAIZHANG_HOLIDAYS_FILE', `${i.path.join('.')} ${i.message}`);
    }
    policy = { ...policy, calendar: { ...policy.calendar, extraHolidays: parsed.data } };
  }
  return policy;
}

/** How far ahead the start-up looks for years without holiday data: a deadline set today may reach that far. */
const COVERAGE_AHEAD_MS = 400 * 24 * 3600 * 1000;

/**
 * The years from `now` to about a year ahead that the calendar of `policy` has no holiday data for (weekends only apply
 * there), as its warnings: pass the policy in force, with the imported calendar versions (`policyInForce`).
 */
export function calendarCoverageWarnings(policy: Policy, now = Date.now()): string[] {
  return calendarForPolicy(policy)
    .warningsBetween(now, now + COVERAGE_AHEAD_MS)
    .map((w) => w.message);
}

/** The policy with every calendar version imported into the store (docs/holidays.md): what deadlines are computed on. */
export async function policyInForce(policy: Policy, store: Pick<EventStore, 'readStream'>): Promise<Policy> {
  return policyWithVersions(policy, await readCalendarVersions(store));
}

let warned = false;
/**
 * Warns once per process when deadlines may fall in years past the holiday data (weekends only apply there). `policy`
 * is the policy in force, imported calendar versions included (`policyInForce`): an imported year is no longer warned of.
 */
export function warnCalendarCoverage(policy: Policy, logger: Logger, now = Date.now()): void {
  if (warned) return;
  const warnings = calendarCoverageWarnings(policy, now);
  if (warnings.length) {
    warned = true;
    logger.warn(
      { calendar: calendarForPolicy(policy).source, warnings },
      'business calendar: no holiday data for some coming dates; weekends only apply there (import the State Council notice: taizhang calendar import <file>, docs/holidays.md)',
    );
  }
}

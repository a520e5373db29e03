import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCalendarVersion } from '../../src/calendar/versions';
import { ROOT } from '../../src/config/tools';
import { COMPRESSED_POLICY, DEFAULT_POLICY, calendarForPolicy } from '../../src/domain/policy';
import { cli } from '../support/stack';
import { tempDir, tempStore } from '../support/store';

/**
 * The configured policy is the default profile, whatever the shell running the tests has set; the data directory is an
 * empty one (no event store, so no imported calendar version), whatever a local stack has imported.
 */
const noData = tempDir();
afterAll(() => noData.cleanup());
const env = { TAIZHANG_POLICY: 'default', TAIZHANG_POLICY_FILE: '', TAIZHANG_HOLIDAYS_FILE: '', DATA_DIR: noData.dir, EVENTSTORE_URL: '' };
const add = (...args: string[]) => cli(['calendar', 'add', ...args], env);

describe('taizhang calendar add', () => {
  it('adds 2 working days from Wed 30 Sep 2026 16:00 across National Day, printing exactly the JSON', () => {
    const r = add('--from', '2026-09-30T16:00:00+08:00', '--working-days', '2', '--format', 'json');
    expect(r.status, r.stderr).toBe(0);
    const expected = { at: '2026-10-09T16:00:00+08:00', calendar: { source: calendarForPolicy(DEFAULT_POLICY).source, warnings: [] } };
    expect(expected.calendar.source).toMatch(/^chinese-days@\d+\.\d+\.\d+ \(data \d{4}–\d{4}\)$/);
    expect(r.stdout).toBe(JSON.stringify(expected, null, 2) + '\n');
  });

  it('prints text by default, and takes business minutes', () => {
    const r = add('--from', '2026-09-30T11:30:00+08:00', '--business-minutes', '60');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('at                2026-09-30T14:00:00+08:00');
    expect(r.stdout).toContain('add               60 business minutes');
    expect(r.stdout).toContain(`calendar          ${calendarForPolicy(DEFAULT_POLICY).source}`);
  });

  it('--policy names a profile: the compressed one counts on a 24×7 clock', () => {
    const r = add('--from', '2026-09-30T16:00:00+08:00', '--working-days', '2', '--policy', 'compressed', '--format', 'json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ at: '2026-10-02T16:00:00+08:00', calendar: { source: calendarForPolicy(COMPRESSED_POLICY).source, warnings: [] } });
  });

  it.each([
    ['neither amount', [], /^error: --working-days: exactly one of --working-days or --business-minutes is required; neither was given$/m],
    ['both amounts', ['--working-days', '1', '--business-minutes', '30'], /^error: --working-days: exactly one of --working-days or --business-minutes is allowed; both were given$/m],
    ['a non-number', ['--working-days', 'two'], /^error: --working-days: must be a number, e.g. 2 or 0.5$/m],
    ['a negative number', ['--business-minutes', '-5'], /^error: --business-minutes: must not be negative$/m],
  ])('refuses %s, naming the option and the rule', (_case, args, message) => {
    const r = add('--from', '2026-09-30T16:00:00+08:00', ...args, '--format', 'json');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('refuses an instant without an offset', () => {
    const r = add('--from', '2026-09-30T16:00:00', '--working-days', '2');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: --from: must be an ISO 8601 instant with offset/m);
  });

  it('refuses a --policy that is neither a profile nor a readable policy file (exit 2, configuration)', () => {
    const r = add('--from', '2026-09-30T16:00:00+08:00', '--working-days', '2', '--policy', 'no-such-policy.json');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: --policy: must be a profile \(default, seed-001, compressed\) or a valid JSON policy file/m);
  });
});

/**
 * The calculators count on the calendar in force: the policy's with every holiday notice imported into the event store
 * (read from DATA_DIR's store itself, read-only; no API involved).
 */
describe('taizhang calendar add and sla deadlines on imported calendar versions', () => {
  let t: ReturnType<typeof tempStore>;
  let dataEnv: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = tempStore();
    await recordCalendarVersion(t.store, { file: 'holidays-2027.json', text: readFileSync(path.join(ROOT, 'examples/holidays-2027.json'), 'utf8'), by: { actor: 'admin-1', role: 'admin' } });
    dataEnv = { ...env, DATA_DIR: t.dir, EVENTSTORE_URL: '', TAIZHANG_TIME_ZONE: 'Asia/Shanghai' };
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('calendar add skips New Year’s Day 2027 (元旦 1–3 January in the imported notice) and warns of no missing data', () => {
    // A data directory without an event store: the shipped data only, 2027 weekends only.
    const before = cli(['calendar', 'add', '--from', '2026-12-31T17:00:00+08:00', '--working-days', '1', '--format', 'json'], { ...dataEnv, DATA_DIR: noData.dir });
    expect(before.status, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ at: '2027-01-01T17:00:00+08:00', calendar: { warnings: ['no holiday data for 2027; weekends only'] } });
    const r = cli(['calendar', 'add', '--from', '2026-12-31T17:00:00+08:00', '--working-days', '1', '--format', 'json'], dataEnv);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { at: string; calendar: { source: string; warnings: string[] } };
    expect(out.at).toBe('2027-01-04T17:00:00+08:00');
    expect(out.calendar.warnings).toEqual([]);
    expect(out.calendar.source).toContain('calendar v1');
  });

  it('sla deadlines: a minor complaint received 2026-12-31 16:00 gets its first response on Monday 4 January, in local time', () => {
    const r = cli(['sla', 'deadlines', '--received', '2026-12-31 16:00', '--severity', 'minor'], dataEnv);
    expect(r.status, r.stderr).toBe(0);
    const first = /^first response {4}(\S+)$/m.exec(r.stdout)?.[1];
    expect(first).toMatch(/^2027-01-04T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(r.stdout).not.toMatch(/warning: no holiday data for 2027/);
    expect(r.stdout).toMatch(/^calendar {10}.*calendar v1/m);
  });
});

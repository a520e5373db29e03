import { describe, expect, it } from 'vitest';
import { COMPRESSED_POLICY, DEFAULT_POLICY, calendarForPolicy } from '../../src/domain/policy';
import { cli } from '../support/stack';

/** The configured policy is the default profile, whatever the shell running the tests has set. */
const env = { TAIZHANG_POLICY: 'default', TAIZHANG_POLICY_FILE: '', TAIZHANG_HOLIDAYS_FILE: '' };
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

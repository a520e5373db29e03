import { describe, expect, it } from 'vitest';
import { consoleLine, maskPersonalText } from '../../src/config/logger';
import { childConsoleLine, TEMPORAL_RESTART_NOISE } from '../../src/cli/stack';

const tz = 'Asia/Shanghai';

describe('the console of npm start: one readable line per warning or error', () => {
  it('a pino warning becomes local time, level, process and message with its details', () => {
    const line = JSON.stringify({ level: 40, time: '2026-12-03T04:01:03.000Z', pid: 1, name: 'worker', calendar: 'chinese-days', warnings: ['no holiday data for 2027; weekends only'], msg: 'business calendar: no holiday data for some coming dates' });
    expect(consoleLine(line, 'worker', { timeZone: tz })).toBe('12:01:03 警告 worker: business calendar: no holiday data for some coming dates (no holiday data for 2027; weekends only)');
  });

  it('errors and fatal lines name the error message; info and debug lines are not shown', () => {
    const err = JSON.stringify({ level: 50, time: '2026-12-03T15:59:59.000Z', name: 'api', err: { type: 'Error', message: 'connect ECONNREFUSED', stack: 'Error: x\n    at y' }, msg: 'request failed' });
    expect(consoleLine(err, 'api', { timeZone: tz })).toBe('23:59:59 错误 api: request failed (connect ECONNREFUSED)');
    const fatal = JSON.stringify({ level: 60, time: '2026-12-03T16:00:00.000Z', msg: 'worker failed' });
    expect(consoleLine(fatal, 'worker', { timeZone: tz })).toBe('00:00:00 严重 worker: worker failed');
    expect(consoleLine(JSON.stringify({ level: 30, time: '2026-12-03T04:01:03.000Z', msg: 'worker running' }), 'worker', { timeZone: tz })).toBeUndefined();
    expect(consoleLine(JSON.stringify({ level: 20, msg: 'x' }), 'worker', { timeZone: tz })).toBeUndefined();
  });

  it('personal data never reaches the console: personal keys are dropped, phones and emails in the text masked', () => {
    const line = JSON.stringify({ level: 40, time: '2026-12-03T04:01:03.000Z', phone: '13812345678', email: 'li@example.cn', reason: '客户 13812345678 说 li@example.cn 没收到', msg: 'notification to li@example.cn failed' });
    const shown = consoleLine(line, 'worker', { timeZone: tz })!;
    expect(shown).toBe('12:01:03 警告 worker: notification to l***@example.cn failed (客户 138****5678 说 l***@example.cn 没收到)');
    expect(shown).not.toMatch(/13812345678|li@example\.cn/);
    // The ledgers' free-text masking (a mobile keeps its first 3 and last 4 digits), plus landlines, which it leaves alone.
    expect(maskPersonalText('电话 010-62345678 或 +86 13900001111')).toBe('电话 [redacted] 或 139****1111');
  });

  it('a multi-line message (a webpack report, a stack) shows its first line only, long text is cut', () => {
    const line = JSON.stringify({ level: 50, time: '2026-12-03T04:01:03.000Z', msg: 'asset workflow-bundle.js 2.86 MiB\nruntime modules 883 bytes\nmodules by path ./node_modules/' });
    expect(consoleLine(line, 'worker', { timeZone: tz })).toBe('12:01:03 错误 worker: asset workflow-bundle.js 2.86 MiB …');
    const long = consoleLine(JSON.stringify({ level: 40, time: '2026-12-03T04:01:03.000Z', msg: 'x'.repeat(500) }), 'api', { timeZone: tz })!;
    expect(long.length).toBeLessThan(280);
    expect(long.endsWith('…')).toBe(true);
  });

  it('the Temporal server: only its errors, without its restart noise; its banner stays in its log', () => {
    const noise = JSON.stringify({ time: '2026-12-03T04:01:03.000Z', level: 'ERROR', msg: 'UpdateTaskQueue failed', component: 'matching-engine' });
    expect(childConsoleLine('temporal', noise, true, tz)).toBeUndefined();
    expect(TEMPORAL_RESTART_NOISE.some((re) => re.test('Persistent store operation failure store-operation=update-task-queue'))).toBe(true);
    const warn = JSON.stringify({ time: '2026-12-03T04:01:03.000Z', level: 'WARN', msg: 'some warning' });
    expect(childConsoleLine('temporal', warn, true, tz)).toBeUndefined();
    const real = JSON.stringify({ time: '2026-12-03T04:01:03.000Z', level: 'ERROR', msg: 'Unable to open database', error: 'disk I/O error' });
    expect(childConsoleLine('temporal', real, true, tz)).toBe('12:01:03 错误 temporal: Unable to open database (disk I/O error)');
    expect(childConsoleLine('temporal', 'Server:  localhost:7233', false, tz)).toBeUndefined();
  });

  it('plain text of a Node process: its stderr message shows (not its stack frames), its stdout does not', () => {
    expect(childConsoleLine('api', 'TypeError: cannot read properties of undefined', true, tz)).toMatch(/^\d\d:\d\d:\d\d 错误 api: TypeError: cannot read properties of undefined$/);
    expect(childConsoleLine('api', '    at Object.<anonymous> (/app/x.ts:1:1)', true, tz)).toBeUndefined();
    expect(childConsoleLine('worker', 'asset workflow-bundle.js 2.86 MiB', false, tz)).toBeUndefined();
    expect(childConsoleLine('worker', '(node:1) Warning: something', true, tz)).toMatch(/ 警告 worker: \(node:1\) Warning: something$/);
  });
});

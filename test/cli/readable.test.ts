import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/cli/client';
import { chooseColumns, columnNamed } from '../../src/cli/columns';
import { apiErrorLines, attributeOf, quietOnEpipe } from '../../src/cli/errors';
import { commanderOption } from '../../src/cli/fields';
import { displayWidth, humanMinutes, table, wrap, zoneHeading } from '../../src/cli/format';
import { manifestOf } from '../../src/cli/manifest';
import { optionsOf } from '../../src/cli/options';
import { historyLine, renderChange, renderView, type ProcessViewJson } from '../../src/cli/show';
import { complaintProcess } from '../../src/processes/complaint';
import { ROOT } from '../../src/config/tools';
import type { LedgerRow } from '../../src/domain/ledger';

const TZ = 'Asia/Shanghai';
const ledgers = manifestOf().ledgers;
const complaints = ledgers.find((l) => l.name === 'complaints')!;

/** Complaints ledger rows as the API gives them (instants zoned), with long Chinese names and text. */
const rows: LedgerRow[] = [
  {
    complaint_id: 'K3f9a0c21b7d4e8aa',
    customer_id: 'C0b1e2d3c4f5a6b7',
    customer_name: '北京星河精密机械制造有限公司',
    status: 'received',
    severity: 'major',
    category: 'product_quality',
    channel: 'phone',
    customer_class: 'key',
    owner: 'chen.gong',
    summary: '设备在安装后第三天出现异常噪音，客户要求上门检修并说明原因，同时希望更换主轴部件',
    received_at: '2026-12-02T10:53:00+08:00',
    first_response_due: '2026-12-02T11:08:00+08:00',
    resolution_due: '2026-12-03T14:30:00+08:00',
    breached: 0,
    escalation_level: 0,
  },
  {
    complaint_id: 'K77c0ffee12345678',
    customer_id: 'C9',
    customer_name: '李四',
    status: 'closed',
    severity: 'minor',
    owner: 'wang.fang',
    received_at: '2026-12-01T02:53:00Z',
    first_response_due: '2026-12-01T04:00:00Z',
    resolution_due: '2026-12-02T09:00:00Z',
    breached: 1,
    escalation_level: 2,
  },
];

const widest = (text: string) => Math.max(...text.split('\n').map(displayWidth));

describe('ledger tables for people', () => {
  it('the complaints table fits 120 columns (CJK counted double), in local time, with labels and customer names', () => {
    const columns = chooseColumns(complaints);
    expect(columns.map((c) => c.name)).toContain('customer_name');
    const text = table({ columns }, rows, { ledger: 'complaints', timeZone: TZ });
    expect(widest(text)).toBeLessThanOrEqual(120);
    expect(text).toContain('北京星河');
    // 02:53Z is 10:53 in Beijing: every instant in the zone, short.
    expect(text).toContain('2026-12-01 10:53');
    expect(text).not.toMatch(/T\d\d:\d\d|Z\b|\+08:00/);
    expect(text).toContain('客户名称');
    expect(text).not.toMatch(/\bmajor\b|\bminor\b/);
  });

  it('a short name stays on one line: a header wider than its values wraps first', () => {
    const columns = chooseColumns(complaints);
    const two: LedgerRow[] = [
      { ...rows[1]!, complaint_id: 'K769e509d36ca487a', customer_name: '上海某物业公司', status: 'acknowledged', owner: 'li.na' },
      { ...rows[1]!, complaint_id: 'Kd6e2ac69d3c448b0', customer_name: '上海某物业公司', status: 'received', owner: 'chen.jing' },
    ];
    const text = table({ columns }, two, { ledger: 'complaints', timeZone: TZ });
    expect(widest(text)).toBeLessThanOrEqual(120);
    const body = text.split('\n').slice(text.split('\n').findIndex((l) => l.startsWith('---')) + 1);
    // One line per row, each with the whole name.
    expect(body).toHaveLength(2);
    for (const line of body) expect(line).toContain('上海某物业公司');
  });

  it('wraps long text inside its column, so the next columns stay where they are', () => {
    const columns = chooseColumns(complaints, 'complaint_id,投诉内容,受理时间');
    const text = table({ columns }, rows.slice(0, 1), { ledger: 'complaints', timeZone: TZ, maxWidth: 60 });
    const lines = text.split('\n');
    expect(widest(text)).toBeLessThanOrEqual(60);
    // The one row takes several lines; its instant is on the first, at the same place as its header.
    const body = lines.slice(2);
    expect(body.length).toBeGreaterThan(2);
    const headerAt = displayWidth(lines[0]!.slice(0, lines[0]!.indexOf('受理时间')));
    expect(displayWidth(body[0]!.slice(0, body[0]!.indexOf('2026-12-02 10:53')))).toBe(headerAt);
    expect(body.slice(1).join('')).not.toContain('2026-12-02');
    expect(body.map((l) => l.slice(0, 17).trim()).slice(1).every((id) => id === '')).toBe(true);
  });

  it('wrap() cuts by display width', () => {
    expect(wrap('设备在安装后第三天', 6)).toEqual(['设备在', '安装后', '第三天']);
    expect(wrap('abc def ghi', 7)).toEqual(['abc def', 'ghi']);
  });

  it('--columns takes names or headers (Chinese or English) and `all`; an unknown one names what exists', () => {
    expect(chooseColumns(complaints, 'complaint_id,状态，Severity').map((c) => c.name)).toEqual(['complaint_id', 'status', 'severity']);
    expect(chooseColumns(complaints, 'all').map((c) => c.name)).toEqual(complaints.columns.map((c) => c.name));
    expect(complaints.columns.map((c) => c.name)).toContain('customer_name'); // the API joins it from the customers ledger
    expect(() => chooseColumns(complaints, '颜色')).toThrow(/--columns: 颜色 is not a column of complaints; its columns are complaint_id \(投诉编号\)/);
    expect(columnNamed(complaints, '状态')).toBe('status');
  });

  it('says the zone once, in the heading', () => {
    expect(zoneHeading(TZ)).toBe('（北京时间 UTC+08:00）');
    expect(zoneHeading('Europe/Berlin', 'en', new Date('2026-07-01T00:00:00Z'))).toBe('(Europe/Berlin UTC+02:00)');
  });

  it('durations in human units', () => {
    expect(humanMinutes(112.5)).toBe('1 小时 52.5 分');
    expect(humanMinutes(0.0887)).toBe('5.3 秒');
    expect(humanMinutes(1440 * 2 + 180)).toBe('2 天 3 小时');
    expect(humanMinutes(15, 'en')).toBe('15 min');
  });
});

describe('errors for people', () => {
  const receive = new Command('receive');
  for (const f of optionsOf(complaintProcess.commands.receive!.input, ['complaintId'])) receive.addOption(commanderOption(f));
  receive.option('--as-of <instant>');

  it('names each field as the option the command has, once', () => {
    expect(attributeOf('requestedCompensation.amountYuan')).toBe('requestedCompensationAmountYuan');
    const nested = receive.options.find((o) => o.long?.includes('-yuan'));
    const field = nested ? nested.long!.slice(2).split('-') : undefined;
    expect(field, 'the complaint command has a nested amount').toBeDefined();
    // As the API words it: the message is the issues joined.
    const err = new ApiError(400, { error: 'validation', message: 'channel: is required; asOf: must be a date', issues: [{ field: 'channel', rule: 'is required' }, { field: 'asOf', rule: 'must be a date' }] });
    const lines = apiErrorLines(err, receive);
    expect(lines).toEqual(['error: 2 problems with the input (HTTP 400 validation):', '  --channel: is required', '  --as-of: must be a date']);
    // The message (the same issues joined) is not printed besides them.
    expect(lines.join('\n').match(/must be a date/g)).toHaveLength(1);
  });

  it('one issue is one line; no issues, the message', () => {
    expect(apiErrorLines(new ApiError(400, { error: 'validation', message: 'asOf: must be a date', issues: [{ field: 'asOf', rule: 'must be a date' }] }), receive)).toEqual(['error: --as-of: must be a date (HTTP 400 validation)']);
    // A message that says more than its issues leads them.
    expect(apiErrorLines(new ApiError(400, { error: 'validation', message: 'bad.csv: nothing imported; line 3: 交货期: must be one of 很满意, 满意', issues: [{ field: 'line 3', rule: '交货期: must be one of 很满意, 满意' }] }))).toEqual([
      'error: bad.csv: nothing imported (HTTP 400 validation)',
      '  line 3: 交货期: must be one of 很满意, 满意',
    ]);
    expect(apiErrorLines(new ApiError(404, { error: 'not_found', message: 'no stream X' }))).toEqual(['error: no stream X (HTTP 404 not_found)']);
  });

  it('a reader that stops early (EPIPE) ends the CLI quietly with 0; other errors still throw', () => {
    const stream = new EventEmitter() as unknown as NodeJS.WritableStream;
    const codes: number[] = [];
    quietOnEpipe(stream, (c) => codes.push(c));
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(codes).toEqual([0]);
    expect(() => stream.emit('error', Object.assign(new Error('boom'), { code: 'EIO' }))).toThrow('boom');
  });

  it('a missing mandatory option says "is required", naming the option, and exits 1', async () => {
    const r = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'taizhang.js'), 'complaint', 'receive', '--customer-id', 'C1', '--category', 'other', '--severity', 'minor', '--summary', 's'], { cwd: ROOT, timeout: 30_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('error: --channel: is required');
  }, 40_000);

  it('`… | head` with much output: exit 0 and nothing on stderr', async () => {
    const script = `import { quietOnEpipe } from ${JSON.stringify(path.join(ROOT, 'src/cli/errors.ts'))}; quietOnEpipe(process.stdout); const line = 'x'.repeat(100) + '\\n'; const more = () => { for (let i = 0; i < 2000; i++) process.stdout.write(line); setImmediate(more); }; more();`;
    const { stdout, stderr } = await promisify(execFile)('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" --import tsx --input-type=module -e "$SCRIPT" | head -n 1`], { cwd: ROOT, env: { ...process.env, SCRIPT: script }, timeout: 30_000 });
    expect(stdout).toBe('x'.repeat(100) + '\n');
    expect(stderr).toBe('');
  }, 40_000);
});

describe('complaint show for people', () => {
  const now = Date.parse('2026-12-02T03:00:00Z'); // 11:00 in Beijing
  const view: ProcessViewJson = {
    streamName: 'complaint-K3f9a0c21b7d4e8aa',
    revision: 3,
    state: {
      status: 'acknowledged',
      complaintId: 'K3f9a0c21b7d4e8aa',
      customerId: 'C0b1e2d3c4f5a6b7',
      customerClass: 'key',
      severity: 'major',
      owner: 'chen.gong',
      ownerName: '陈工程师',
      receivedAt: '2026-12-02T10:53:00+08:00',
      firstResponse: { kind: 'first_response', due: '2026-12-02T11:08:00+08:00', targetMinutes: 15, warnAt: null, escalations: [], met: true, onTime: true, warned: false, firedLevels: [] },
      resolution: { kind: 'resolution', due: '2026-12-02T12:45:30+08:00', targetMinutes: 112.5, warnAt: '2026-12-02T12:20:00+08:00', escalations: [], met: false, onTime: null, warned: false, firedLevels: [] },
      paused: null,
      pausedBusinessMinutes: 0.0887,
      escalationLevel: 1,
      calendarWarnings: ['no holiday data for 2027: weekends only'],
    },
    pendingAlarms: [{ kind: 'warning', deadline: 'resolution', at: '2026-12-02T04:20:00Z', dueAt: '2026-12-02T12:45:30+08:00' }],
  };
  const history = Array.from({ length: 7 }, (_, i) => ({ revision: i + 1, occurredAt: `2026-12-02T0${i}:00:00Z`, actor: 'chen.gong', actorName: '陈工程师', role: 'agent', type: 'ComplaintReceived', changes: [] }));

  it('prints customer name, state, owner, deadlines with time left, level, alarms, warnings and the last 5 entries', () => {
    const text = renderView(view, { process: 'complaint', ledger: 'complaints', title: { zh: '投诉', en: 'Complaint' }, timeZone: TZ, now, customerName: '北京星河精密机械制造有限公司', history });
    expect(text).toContain('投诉 K3f9a0c21b7d4e8aa （北京时间 UTC+08:00）');
    expect(text).toContain('北京星河精密机械制造有限公司（C0b1e2d3c4f5a6b7）');
    expect(text).toContain('陈工程师（chen.gong）');
    expect(text).toMatch(/2026-12-02 12:45 +剩余 1 小时 45.5 分；时限 1 小时 52.5 分/);
    expect(text).toContain('2026-12-02 11:08');
    expect(text).toContain('5.3 秒');
    expect(text).toContain('2026-12-02 12:20');
    expect(text).toContain('⚠');
    expect(text).not.toContain('targetMinutes');
    const entries = text.split('\n').filter((l) => /^ {4}#\d/.test(l));
    expect(entries.map((l) => l.trim().split(' ')[0])).toEqual(['#3', '#4', '#5', '#6', '#7']);
    expect(entries[0]).toContain('2026-12-02 10:00');
  });

  it('a process that keeps its calendar warnings in the basis of its deadlines (an enquiry) shows them too', () => {
    const { calendarWarnings: _, ...rest } = view.state;
    const enquiry = { ...view, state: { ...rest, basis: { policy: 'default@5', calendar: { source: 'chinese-days', warnings: ['no holiday data for 2027; weekends only'] } } } };
    const text = renderView(enquiry, { process: 'enquiry', ledger: 'enquiries', title: { zh: '咨询', en: 'Enquiry' }, timeZone: TZ, now });
    expect(text).toMatch(/⚠ .*2027/);
    const none = renderView({ ...enquiry, state: { ...enquiry.state, basis: { policy: 'default@5', calendar: { source: 'x', warnings: [] } } } }, { process: 'enquiry', ledger: 'enquiries', title: { zh: '咨询', en: 'Enquiry' }, timeZone: TZ, now });
    expect(none).not.toContain('⚠');
  });

  it('a late deadline says how late', () => {
    const late = renderView(view, { process: 'complaint', ledger: 'complaints', title: { zh: '投诉', en: 'Complaint' }, timeZone: TZ, now: Date.parse('2026-12-02T05:45:30Z') });
    expect(late).toContain('已超时 1 小时');
  });

  it('with the business minutes the API counted, a deadline says the business time left beside the wall clock', () => {
    const text = renderView({ ...view, businessMinutesLeft: { resolution: 95 } }, { process: 'complaint', ledger: 'complaints', title: { zh: '投诉', en: 'Complaint' }, timeZone: TZ, now });
    expect(text).toMatch(/2026-12-02 12:45 +剩余工作时间 1 小时 35 分（自然时间 1 小时 45.5 分）；时限 1 小时 52.5 分/);
    const late = renderView({ ...view, businessMinutesLeft: { resolution: -30 } }, { process: 'complaint', ledger: 'complaints', title: { zh: '投诉', en: 'Complaint' }, timeZone: TZ, now: Date.parse('2026-12-02T05:45:30Z') });
    expect(late).toContain('已超时（工作时间） 30 分（自然时间 -1 小时');
  });

  it('history lines in local time, with the event label', () => {
    expect(historyLine({ revision: 1, occurredAt: '2026-12-02T02:53:00Z', actor: 'a1', role: 'agent', type: 'ComplaintReceived', changes: [] }, TZ)).toMatch(/^#1 2026-12-02 10:53 \S+ a1（\S+）$/);
  });

  it('a command says the new state and each deadline it set or moved', () => {
    const before: ProcessViewJson = { ...view, state: { ...view.state, status: 'received', resolution: { ...(view.state.resolution as object), due: '2026-12-02T12:00:00+08:00' } } };
    const lines = renderChange(before, view, { ledger: 'complaints', timeZone: TZ, now });
    expect(lines.some((l) => l.includes('→') && l.includes('2026-12-02 12:00') && l.includes('2026-12-02 12:45'))).toBe(true);
    expect(lines.some((l) => l.includes('11:08'))).toBe(false); // unchanged
    const reassigned = renderChange({ ...view, state: { ...view.state, owner: 'li.na', ownerName: '李娜' } }, view, { ledger: 'complaints', timeZone: TZ, now });
    expect(reassigned).toContain('  负责人: 李娜（li.na） → 陈工程师（chen.gong）');
    const created = renderChange(undefined, view, { ledger: 'complaints', timeZone: TZ, now });
    expect(created.filter((l) => /2026-12-02 1\d:\d\d/.test(l))).toHaveLength(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { historyLine } from '../../src/cli/show';
import { eventLabel } from '../../src/domain/labels';
import { SqliteEventStore } from '../../src/events/store/sqlite';
import type { LedgerPage } from '../../src/projections/reader';
import { registered } from '../support/events';
import { cli, running, startStackOnFreePorts, type RunningStack } from '../support/stack';
import { tempDir } from '../support/store';

interface HistoryEntry {
  revision: number;
  occurredAt: string;
  actor: string;
  role: string;
  reason?: string;
  type: string;
  changes: Array<{ field: string; from?: unknown; to: unknown }>;
}

/**
 * A change request end to end through the CLI against the embedded stack (`taizhang start`, as `npm start` runs it:
 * Temporal dev server, worker, projector and API as child processes): submitted, reviewed by the four panels, approved
 * by two different sales VPs of the demo directory for a key account, signed off, implemented, verified and closed,
 * each by the person `--as` names with their local token; then `audit history` shows every step with who, when and
 * why, and `audit verify` rebuilds the ledgers and checks the hash chain.
 */
describe('taizhang change … and taizhang audit, against the embedded stack', () => {
  const t = tempDir('taizhang-cli-change-');
  const customerId = 'CKEY1';
  let env: NodeJS.ProcessEnv;
  let stack: RunningStack | undefined;
  let changeId: string;
  const started = new Date().toISOString();

  beforeAll(async () => {
    // The key-account customer is in the store before the stack starts (its class is read from its own stream).
    const store = new SqliteEventStore({ file: path.join(t.dir, 'events.db'), pollIntervalMs: 5 });
    await store.append(`customer-${customerId}`, [registered(customerId, { importance: 'key' })], { expectedRevision: 'no_stream' });
    await store.close();
    const base = {
      DATA_DIR: t.dir,
      LOG_LEVEL: 'warn',
      TAIZHANG_TIME_ZONE: 'Asia/Shanghai',
      TAIZHANG_TOKENS: '',
      TAIZHANG_TOKENS_FILE: '',
      TAIZHANG_TOKEN: '',
      PUBLIC_URL: '',
      TAIZHANG_POLICY: 'default',
      TAIZHANG_POLICY_FILE: '',
      TAIZHANG_HOLIDAYS_FILE: '',
      TAIZHANG_DIRECTORY_FILE: '',
    };
    ({ stack, env } = await startStackOnFreePorts(base));
  }, 120_000);

  afterAll(async () => {
    if (stack && running(stack.proc)) {
      stack.proc.kill('SIGTERM');
      await new Promise((r) => stack!.proc.once('exit', r));
    }
    t.cleanup();
  }, 60_000);

  /** A CLI command that must succeed; its stdout. */
  const ok = (...args: string[]): string => {
    const r = cli(args, env);
    expect(r.status, `taizhang ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const change = (action: string, as: string, ...args: string[]) => ok('change', action, changeId, ...args, '--as', as);

  it('submit takes its options from the form; the panels, two VPs, sign-off, a named team, verification and close follow', () => {
    const help = ok('change', 'submit', '--help');
    expect(help).toMatch(/--customer-id <customerId>\s+the customer asking for the change \(required\)/);
    expect(help).toMatch(/--amount <amount>\s+amount involved, in yuan \(0 when none\) \(required\)/);
    expect(help).toMatch(/"contract", "scope", "delivery_date",\s+"price", "service_plan"/);

    const submitted = JSON.parse(
      ok('change', 'submit', '--customer-id', customerId, '--kind', 'price', '--description', '单价由 120 元调整为 128 元', '--reason', '原材料涨价', '--amount', '600000', '--affects', '合同 HT-2026-090', '--wanted-by', '2026-12-01', '--json', '--as', 'li.na'),
    ) as { changeId: string; streamName: string; eventTypes: string[] };
    changeId = submitted.changeId;
    expect(changeId).toMatch(/^B/);
    expect(submitted.streamName).toBe(`change-${changeId}`);
    expect(submitted.eventTypes[0]).toBe('ChangeRequested');

    // A wrong field is named, nothing sent: a disagreeing opinion without its comment.
    const bare = cli(['change', 'review', changeId, '--opinion', 'disagree', '--as', 'he.cai'], env);
    expect(bare.status).toBe(1);
    expect(bare.stderr).toMatch(/--comment: /);
    expect(bare.stderr.trim().split('\n')).toHaveLength(1);

    expect(change('review', 'zhao.min', '--opinion', 'agree')).toMatch(new RegExp(`^变更申请 ${changeId}: ${eventLabel('ChangeReviewed')}（change-${changeId} 版本 \\d+）$`, 'm'));
    change('review', 'he.cai', '--opinion', 'agree', '--comment', '费用在预算内');
    change('review', 'lin.shi', '--opinion', 'conditional', '--comment', '需补充费用测算');
    expect(change('review', 'guo.zhuan', '--opinion', 'agree')).toContain(eventLabel('ChangeSentForApproval'));

    // A key account over 50 000 yuan: two different sales VPs; the same one twice is refused.
    expect(change('approve', 'liu.yang', '--reason', '同意调价')).toMatch(new RegExp(`: ${eventLabel('ChangeDecisionRecorded')}（`));
    const twice = cli(['change', 'approve', changeId, '--as', 'liu.yang'], env);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toMatch(/already approved.*2 different people.*\(HTTP 409 /);
    expect(change('approve', 'ma.li', '--reason', '同意')).toContain(eventLabel('ChangeApproved'));

    change('sign-off', 'li.na', '--document-ref', 'QZ-2026-300', '--signatory', '客户总经理 李女士', '--signed-on', '2026-10-20');
    change('implement', 'zhao.min', '--team', '交付一组', '--owner', 'wang.qiang');
    change('progress', 'wang.qiang', '--note', '新价格已录入系统');
    change('complete', 'wang.qiang', '--note', '已按新价格开票');
    // The implementer does not verify their own work.
    const own = cli(['change', 'verify', changeId, '--passed', 'true', '--note', '自检', '--as', 'wang.qiang'], env);
    expect(own.status).toBe(1);
    expect(own.stderr).toMatch(/may not verify.*\(HTTP 403 /);
    change('verify', 'li.na', '--passed', 'true', '--note', '发票已核对');
    expect(change('close', 'li.na', '--note', '变更完成')).toContain(eventLabel('ChangeClosed'));

    const shown = JSON.parse(ok('change', 'show', changeId, '--format', 'json', '--as', 'li.na')) as { state: Record<string, unknown>; pendingAlarms: unknown[] };
    expect(shown).toMatchObject({ state: { status: 'closed', customerClass: 'key', tier: { name: 'vp', quorum: 2 }, signOff: { documentRef: 'QZ-2026-300' } }, pendingAlarms: [] });
  });

  it('audit history shows every step of change-<id> with actor, role, time and reason', () => {
    const json = JSON.parse(ok('audit', 'history', `change-${changeId}`, '--format', 'json', '--as', 'wu.shen')) as { events: HistoryEntry[] };
    const steps = json.events.filter((e) => e.type !== 'NotificationIssued');
    expect(steps.map((e) => [e.type, e.actor, e.role, e.reason ?? null])).toEqual([
      ['ChangeRequested', 'li.na', 'agent', '原材料涨价'],
      ['ChangeReviewed', 'zhao.min', 'supervisor', null],
      ['ChangeReviewed', 'he.cai', 'finance', null],
      ['ChangeReviewed', 'lin.shi', 'marketing', null],
      ['ChangeReviewed', 'guo.zhuan', 'expert', null],
      ['ChangeSentForApproval', 'guo.zhuan', 'expert', null],
      ['ChangeDecisionRecorded', 'liu.yang', 'sales_vp', '同意调价'],
      ['ChangeDecisionRecorded', 'ma.li', 'sales_vp', '同意'],
      ['ChangeApproved', 'ma.li', 'sales_vp', '同意'],
      ['ChangeSignedOff', 'li.na', 'agent', null],
      ['ChangeImplementationStarted', 'zhao.min', 'supervisor', null],
      ['ChangeImplementationUpdated', 'wang.qiang', 'agent', null],
      ['ChangeImplemented', 'wang.qiang', 'agent', null],
      ['ChangeVerified', 'li.na', 'agent', null],
      ['ChangeClosed', 'li.na', 'agent', null],
    ]);
    // In order, each at a moment of this test.
    const times = steps.map((e) => e.occurredAt);
    expect(times).toEqual([...times].sort((a, b) => Date.parse(a) - Date.parse(b)));
    for (const at of times) expect(Date.parse(at)).toBeGreaterThanOrEqual(Date.parse(started));
    expect(Date.parse(times.at(-1)!)).toBeLessThanOrEqual(Date.now());

    // The text form: one line per event with its local time, label, actor, role and reason, then what it changed.
    const text = ok('audit', 'history', `change-${changeId}`, '--as', 'auditor');
    const lines = text.split('\n');
    expect(lines[0]).toBe(`change-${changeId} （北京时间 UTC+08:00）`);
    expect(text).not.toMatch(/\d\dZ\b/);
    const entry = (e: HistoryEntry) => {
      const head = historyLine(e, 'Asia/Shanghai');
      const at = lines.indexOf(head);
      expect(at, `${head}\n---\n${text}`).toBeGreaterThanOrEqual(0);
      const body: string[] = [];
      for (let i = at + 1; i < lines.length && lines[i]!.startsWith('    '); i++) body.push(lines[i]!.trim());
      return body;
    };
    for (const e of json.events) entry(e);
    /** What the event set each field to, as the text shows it (`field: to` or `field: from → to`). */
    const of = (type: string, actor: string) =>
      Object.fromEntries(
        entry(steps.find((e) => e.type === type && e.actor === actor)!).map((line) => {
          const at = line.indexOf(': ');
          const value = line.slice(at + 2);
          return [line.slice(0, at), value.includes(' → ') ? value.slice(value.lastIndexOf(' → ') + 3) : value];
        }),
      );
    expect(of('ChangeRequested', 'li.na')).toMatchObject({ customerId: '"CKEY1"', amount: '600000', requester: '"li.na"', customerClass: '"key"', 'tier.name': '"vp"', 'tier.quorum': '2' });
    // A review's words are its comment.
    expect(of('ChangeReviewed', 'lin.shi')).toMatchObject({ panel: '"marketing"', opinion: '"conditional"', comment: '"需补充费用测算"', reviewer: '"lin.shi"', role: '"marketing"' });
    expect(of('ChangeDecisionRecorded', 'ma.li')).toMatchObject({ decidedBy: '"ma.li"', outcome: '"approved"', approvals: '["liu.yang","ma.li"]' });
    expect(of('ChangeSignedOff', 'li.na')).toMatchObject({ documentRef: '"QZ-2026-300"', signatory: '"客户总经理 李女士"', signedOn: '"2026-10-20"' });
    expect(of('ChangeImplementationStarted', 'zhao.min')).toMatchObject({ team: '"交付一组"', owner: '"wang.qiang"' });
    expect(of('ChangeVerified', 'li.na')).toMatchObject({ passed: 'true', note: '"发票已核对"', verifiedBy: '"li.na"' });

    // Agents do not read audit history.
    const agent = cli(['audit', 'history', `change-${changeId}`, '--as', 'li.na'], env);
    expect(agent.status).toBe(1);
    expect(agent.stderr).toMatch(/403/);
  });

  it('the ledgers show it, and audit verify rebuilds them identically and finds the hash chain intact (exit 0)', async () => {
    let rows: LedgerPage['rows'] = [];
    for (let i = 0; i < 50 && rows[0]?.status !== 'closed'; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      rows = (JSON.parse(ok('ledger', 'changes', '--format', 'json', '--where', `change_id=${changeId}`, '--as', 'auditor')) as LedgerPage).rows;
    }
    expect(rows).toEqual([
      expect.objectContaining({ change_id: changeId, customer_class: 'key', status: 'closed', tier: 'vp', approvers: 'liu.yang,ma.li', sign_off_ref: 'QZ-2026-300', team: '交付一组', implementer: 'wang.qiang' }),
    ]);
    const steps = (JSON.parse(ok('ledger', 'change_steps', '--format', 'json', '--where', `change_id=${changeId}`, '--as', 'auditor')) as LedgerPage).rows;
    expect(steps.filter((r) => r.step === 'approval').map((r) => [r.actor, r.role, r.reason])).toEqual([
      ['liu.yang', 'sales_vp', '同意调价'],
      ['ma.li', 'sales_vp', '同意'],
    ]);

    const r = cli(['audit', 'verify'], env);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^OK: checked \d+ events and \d+ rows/);
    expect(r.stdout).toMatch(/^ {2}ok {3}changes: 1 rows, hash [0-9a-f]{16}$/m);
    expect(r.stdout).toMatch(/^ {2}ok {3}change_steps: 13 rows, hash [0-9a-f]{16}$/m);
    expect(r.stdout).toMatch(/^ {2}ok {3}hash chain: /m);
    expect(r.stdout).not.toMatch(/DIFF|BROKEN/);
  });
});

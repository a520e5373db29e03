import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LedgerDb } from '../../src/projections/ledger-db';
import { ALL_LEDGERS, ledgerByName, LEDGERS } from '../../src/projections/ledgers';
import { LedgerReader, refuseMaskingOracle, resolveWhere } from '../../src/projections/reader';
import { envelope, registered } from '../support/events';
import { tempStore } from '../support/store';

describe('ledger filters by header and label', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function reader() {
    const s = tempStore();
    cleanups.push(s.cleanup);
    await s.store.append('customer-C1', [registered('C1', { grade: 'A' })], { expectedRevision: 'no_stream' });
    await s.store.append('customer-C2', [registered('C2', { type: 'dealer', importance: 'key', grade: 'C' })], { expectedRevision: 'no_stream' });
    await s.store.append('customer-C3', [registered('C3', { grade: 'C' }), envelope('CustomerFlagChanged', { customerId: 'C3', changeId: 'C3-1', flag: 'blacklist', set: true, reason: '多次恶意投诉' })], {
      expectedRevision: 'no_stream',
    });
    const db = new LedgerDb(path.join(s.dir, 'ledger.db'), LEDGERS);
    cleanups.push(() => db.close());
    const events = [];
    for await (const e of s.store.readAll()) events.push(e);
    db.applyBatch(events);
    const r = new LedgerReader(path.join(s.dir, 'ledger.db'), LEDGERS);
    cleanups.push(() => r.close());
    const ids = (where: Record<string, string | number>, role: 'admin' | 'agent' = 'admin') => r.list('customers', role, { where }).rows.map((x) => x.customer_id);
    return { r, ids };
  }

  it('takes column names, Chinese or English headers, and codes or labels of either language', async () => {
    const { ids } = await reader();
    expect(ids({ type: 'dealer' })).toEqual(['C2']);
    expect(ids({ 客户类型: '经销商' })).toEqual(['C2']);
    expect(ids({ Type: 'Dealer' })).toEqual(['C2']);
    expect(ids({ 重要性: '重点客户' })).toEqual(['C2']);
    expect(ids({ importance: 'key account' })).toEqual(['C2']);
    expect(ids({ 客户等级: 'C 级' })).toEqual(['C2', 'C3']);
    expect(ids({ 客户等级: 'C', 客户类型: '业主' })).toEqual(['C3']);
    expect(ids({ 服务级别: '重点' })).toEqual(['C1', 'C2']); // grade A or a key account
    expect(ids({ 登记状态: '已登记' })).toEqual(['C1', 'C2', 'C3']); // the customers ledger's own header of `status`
    expect(ids({ 黑名单: '是' })).toEqual(['C3']);
    expect(ids({ blacklisted: 'no' })).toEqual(['C1', 'C2']);
    expect(ids({ blacklisted: 0 })).toEqual(['C1', 'C2']);
    expect(ids({ 客户编号: 'C2' })).toEqual(['C2']); // free values pass as typed
  });

  it('refuses an unknown column or value, naming it and listing what is accepted', async () => {
    const { r } = await reader();
    const issuesOf = (where: Record<string, string>) => {
      try {
        r.list('customers', 'admin', { where });
      } catch (err) {
        return (err as { kind: string; issues: Array<{ field: string; rule: string }> }).issues;
      }
      throw new Error('not refused');
    };
    const [col] = issuesOf({ 状态码: 'x' });
    expect(col!.field).toBe('状态码');
    expect(col!.rule).toMatch(/^is not a column of ledger customers; its columns are customer_id \(客户编号\), name \(客户名称\), status \(登记状态\)/);
    const [val] = issuesOf({ 客户类型: '大客户' });
    expect(val).toEqual({ field: '客户类型 (type)', rule: '"大客户" is not a value of this column; it accepts potential (潜在客户), intending (意向客户), owner (业主), dealer (经销商)' });
    const [flag] = issuesOf({ blacklisted: 'maybe' });
    expect(flag).toEqual({ field: 'blacklisted', rule: '"maybe" is not a value of this column; it accepts 1 (是), 0 (否)' });
    expect(issuesOf({ 状态码: 'x', grade: 'Z' })).toHaveLength(2);
  });

  it('keeps refusing filters on personal data for roles that see it masked, by header too', async () => {
    const { r, ids } = await reader();
    expect(() => r.list('customers', 'agent', { where: { 电话: '13800138000' } })).toThrow(expect.objectContaining({ kind: 'validation' }));
    const customers = ledgerByName('customers')!;
    expect(() => refuseMaskingOracle(customers, [['电话', '13800138000']], 'agent')).toThrow(/personal data/);
    expect(ids({ 电话: '13800138000' })).toEqual(['C1', 'C2', 'C3']); // an admin may
    expect(ids({ 客户类型: '经销商' }, 'agent')).toEqual(['C2']);
  });

  it('every header names one column of its ledger, so a filter by header is never ambiguous', () => {
    for (const l of ALL_LEDGERS)
      for (const lang of ['zh', 'en'] as const) {
        const headers = l.columns.map((c) => c.label[lang].toLowerCase());
        expect(new Set(headers).size, `${l.name} (${lang})`).toBe(headers.length);
      }
  });

  it('resolves filters of other ledgers against their own labels', () => {
    const complaints = ledgerByName('complaints')!;
    expect(resolveWhere(complaints, { 状态: '已结案', 严重程度: '重大', 是否超时: '是' })).toEqual([
      ['status', 'closed'],
      ['severity', 'major'],
      ['breached', '1'],
    ]);
    expect(resolveWhere(ledgerByName('changes')!, [['状态', '已关闭']])).toEqual([['status', 'closed']]);
    expect(resolveWhere(ledgerByName('escalations')!, { 期限: '首次响应', 通知对象: '客服主管' })).toEqual([
      ['deadline', 'first_response'],
      ['target_role', 'supervisor'],
    ]);
    expect(() => resolveWhere(complaints, { 状态: '已关闭' })).toThrow(/is not a value of this column; it accepts received \(已受理\)/);
    expect(resolveWhere(ledgerByName('changes')!, { tier: 'regional' })).toEqual([['tier', 'regional']]); // policy-defined: open
  });
});

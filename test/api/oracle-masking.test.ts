import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { exportLedger } from '../../src/audit/export';
import { streamHistory } from '../../src/audit/history';
import { DomainError } from '../../src/domain/errors';
import { effectiveParty, ERASED, holdsPersonalData, maskFreeText, maskPii } from '../../src/domain/pii';
import { customerChangesLedger, customersLedger } from '../../src/processes/customer/ledger';
import { ALL_LEDGERS, LEDGERS } from '../../src/projections/ledgers';
import { LedgerReader, maskRows, refuseMaskingOracle } from '../../src/projections/reader';
import { envelope } from '../support/events';
import { auditFixture, customer, project } from '../audit/fixtures';

const fx = auditFixture();

/** The validation issues a call throws, or undefined when it does not throw. */
function issuesOf(f: () => unknown): Array<{ field: string; rule: string }> | undefined {
  try {
    f();
    return undefined;
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    expect(err.kind).toBe('validation');
    return err.issues;
  }
}

describe('free text: mobile numbers, ID-card numbers and e-mail addresses inside it', () => {
  it.each([
    ['客户来电13812345678要求回电', '客户来电138****5678要求回电'],
    ['tel +86 138 1234 5678.', 'tel 138****5678.'],
    ['电话：86-138-1234-5678，下午', '电话：138****5678，下午'],
    ['two: 13912345678/15000000001', 'two: 139****5678/150****0001'],
    ['身份证 11010519491231002X 已核对', '身份证 110***********002X 已核对'],
    ['id 110105194912310021', 'id 110***********0021'],
    ['mail Zhang.Wei+x@mail.example.com.cn now', 'mail Z***@mail.example.com.cn now'],
  ])('masks %j', (text, masked) => {
    expect(maskFreeText(text)).toBe(masked);
    expect(holdsPersonalData(text)).toBe(true);
  });

  it.each([
    '订单号 2026100912345678 金额 1380.00', // a 16-digit order number is no mobile number
    '12812345678', // 12x is no mainland mobile prefix
    '138123456789', // 12 digits
    '2026-10-09T10:30:00+08:00',
    '138****5678 already masked',
    '客户不满意 (repeat)',
    ERASED,
  ])('leaves %j as it is', (text) => {
    expect(maskFreeText(text)).toBe(text);
    expect(holdsPersonalData(text)).toBe(false);
  });

  it('an erased value reads the same masked or not', () => {
    for (const kind of ['person_name', 'phone', 'email', 'address'] as const) expect(maskPii(kind, ERASED)).toBe(ERASED);
  });
});

describe('natural persons: only a person’s name is personal data', () => {
  it('the party: as registered, else a person for an owner (业主) and an organisation for anyone else; once a person, always', () => {
    expect(effectiveParty(undefined, 'owner')).toBe('person');
    expect(effectiveParty(undefined, 'potential')).toBe('organisation');
    expect(effectiveParty('person', 'potential')).toBe('person');
    expect(effectiveParty('organisation', 'owner')).toBe('organisation');
    expect(effectiveParty(undefined, 'intending', 'person')).toBe('person');
    expect(effectiveParty('organisation', 'potential', 'person')).toBe('person');
  });

  it('the customers ledger has the party; agents see a person’s name masked and an organisation’s as it is; contacts always masked', async () => {
    const { store, ledgerDb, file } = fx.setup();
    await store.append('customer-C1', [customer(1, { name: '张伟', contactPerson: '张伟' })], { expectedRevision: 'no_stream' }); // an owner
    await store.append('customer-C2', [customer(2, { name: '上海宏达有限公司', type: 'potential', contactPerson: '李娜' })], { expectedRevision: 'no_stream' });
    await store.append('customer-C3', [customer(3, { name: '王芳', type: 'intending', party: 'person' })], { expectedRevision: 'no_stream' });
    await store.append('customer-C4', [customer(4, { name: '业主委员会', type: 'owner', party: 'organisation' })], { expectedRevision: 'no_stream' });
    // An organisation that becomes an owner without a party of its own counts as a person from then on.
    await store.append('customer-C5', [customer(5, { name: '赵敏', type: 'potential' })], { expectedRevision: 'no_stream' });
    await store.append('customer-C5', [envelope('CustomerProfileChanged', { customerId: 'C5', changeId: 'C5-1', changes: { type: 'owner' } })], { expectedRevision: 0 });
    const db = ledgerDb();
    await project(store, db);
    const reader = new LedgerReader(file('ledger.db'), LEDGERS);
    try {
      const audited = reader.list('customers', 'auditor').rows;
      expect(audited.map((r) => [r.customer_id, r.party, r.name])).toEqual([
        ['C1', 'person', '张伟'],
        ['C2', 'organisation', '上海宏达有限公司'],
        ['C3', 'person', '王芳'],
        ['C4', 'organisation', '业主委员会'],
        ['C5', 'person', '赵敏'],
      ]);
      const agent = reader.list('customers', 'agent');
      expect(agent.rows.map((r) => [r.customer_id, r.name, r.contact_person])).toEqual([
        ['C1', '张*', '张*'],
        ['C2', '上海宏达有限公司', '李*'],
        ['C3', '王*', null],
        ['C4', '业主委员会', null],
        ['C5', '赵*', null],
      ]);
      expect(agent.masked).toEqual(['name', 'contact_person', 'phone', 'email', 'address']);
      // Only organisations: their names are not masked, and the page says so.
      expect(reader.list('customers', 'agent', { where: { party: 'organisation' } }).masked).toEqual(['contact_person', 'phone', 'email', 'address']);
    } finally {
      reader.close();
    }
  });

  it('a proposed registration carries its party; a proposed name without one counts as a person’s', () => {
    const name = customerChangesLedger.columns.find((c) => c.name === 'proposed_name')!;
    expect(name).toMatchObject({ pii: 'person_name', piiUnless: { column: 'party', equals: 'organisation' } });
    const rows = [
      { change_id: 'C1-1', proposed_name: '上海宏达有限公司', party: 'organisation' },
      { change_id: 'C2-1', proposed_name: '张伟', party: 'person' },
      { change_id: 'C3-2', proposed_name: '王芳', party: null },
    ];
    expect(maskRows(customerChangesLedger, rows, 'agent').rows.map((r) => r.proposed_name)).toEqual(['上海宏达有限公司', '张*', '王*']);
  });

  it('audit history masks the name in a person’s stream only, and free text (reasons, notes) for every masked role', async () => {
    const { store } = fx.setup();
    await store.append('customer-C1', [customer(1, { name: '张伟', type: 'potential' }, { reason: '客户来电 13812345678' })], { expectedRevision: 'no_stream' });
    await store.append('customer-C2', [customer(2, { name: '李娜' })], { expectedRevision: 'no_stream' });
    const org = await streamHistory(store, 'customer-C1', 'agent');
    expect(org[0]!.changes).toEqual(expect.arrayContaining([{ field: 'name', kind: 'added', to: '张伟' }, { field: 'phone', kind: 'added', to: '139****0001', masked: true }]));
    expect(org[0]!.reason).toBe('客户来电 138****5678');
    expect((await streamHistory(store, 'customer-C1', 'auditor'))[0]!.reason).toBe('客户来电 13812345678');
    const person = await streamHistory(store, 'customer-C2', 'agent');
    expect(person[0]!.changes).toEqual(expect.arrayContaining([{ field: 'name', kind: 'added', to: '李*', masked: true }]));

    await store.append('thing-1', [envelope('ThingHappened', { note: '请联系 wang@example.com 或 15912345678', ref: 'R1' })], { expectedRevision: 'no_stream' });
    const note = await streamHistory(store, 'thing-1', 'agent');
    expect(note[0]!.changes).toEqual([
      { field: 'note', kind: 'added', to: '请联系 w***@example.com 或 159****5678', masked: true },
      { field: 'ref', kind: 'added', to: 'R1' },
    ]);
    expect(JSON.stringify(note)).not.toMatch(/15912345678|wang@/);
  });
});

describe('free text in exports', () => {
  it('an export for a masked role masks what looks like personal data in free text; an unmasked one keeps it', async () => {
    const { file } = fx.setup();
    const complaints = ALL_LEDGERS.find((l) => l.name === 'complaints')!;
    const rows = [Object.fromEntries(complaints.columns.map((c) => [c.name, c.name === 'complaint_id' ? 'K1' : c.name === 'summary' ? '回电 13812345678 或 li@example.com' : null]))];
    const masked = await exportLedger(rows, complaints, { format: 'csv', out: file('agent.csv'), role: 'agent', lang: 'en' });
    expect(masked.masked).toContain('summary');
    const text = readFileSync(file('agent.csv'), 'utf8');
    expect(text).toContain('回电 138****5678 或 l***@example.com');
    expect(text).not.toMatch(/13812345678|li@example/);
    await exportLedger(rows, complaints, { format: 'csv', out: file('sup.csv'), role: 'supervisor', lang: 'en' });
    expect(readFileSync(file('sup.csv'), 'utf8')).toContain('回电 13812345678 或 li@example.com');
  });
});

describe('no masking oracle: filters that would reveal masked data are refused', () => {
  it('filters on personal-data columns are refused for roles that see them masked, naming the field and the rule', () => {
    const issues = issuesOf(() => refuseMaskingOracle(customersLedger, [['phone', '13812345678'], ['status', 'registered'], ['name', '张伟']], 'agent'));
    expect(issues).toEqual([
      { field: 'phone', rule: expect.stringContaining('personal data') },
      { field: 'name', rule: expect.stringContaining('personal data') },
    ]);
    expect(issues![0]!.rule).toContain('agent');
    for (const role of ['supervisor', 'auditor', 'admin'] as const) expect(issuesOf(() => refuseMaskingOracle(customersLedger, [['phone', '13812345678']], role))).toBeUndefined();
  });

  it('a free-text filter whose value holds a phone number, an ID-card number or an e-mail address is refused; others pass', () => {
    const complaints = ALL_LEDGERS.find((l) => l.name === 'complaints')!;
    const summary = complaints.columns.find((c) => c.name === 'summary');
    expect(summary).toBeDefined();
    expect(issuesOf(() => refuseMaskingOracle(complaints, [['summary', '客户来电13812345678要求回电']], 'agent'))).toEqual([{ field: 'summary', rule: expect.stringContaining('phone number') }]);
    expect(issuesOf(() => refuseMaskingOracle(complaints, [['summary', '重复扣费']], 'agent'))).toBeUndefined();
    expect(issuesOf(() => refuseMaskingOracle(complaints, [['summary', '客户来电13812345678要求回电']], 'supervisor'))).toBeUndefined();
  });

  it('the reader refuses them too, before it reads a row', async () => {
    const { store, ledgerDb, file } = fx.setup();
    await store.append('customer-C1', [customer(1)], { expectedRevision: 'no_stream' });
    const db = ledgerDb();
    await project(store, db);
    const reader = new LedgerReader(file('ledger.db'), LEDGERS);
    try {
      expect(issuesOf(() => reader.list('customers', 'agent', { where: { phone: '13900000001' } }))).toEqual([{ field: 'phone', rule: expect.any(String) }]);
      expect(reader.list('customers', 'auditor', { where: { phone: '13900000001' } }).total).toBe(1);
    } finally {
      reader.close();
    }
  });
});

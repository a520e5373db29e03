import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessLog, MAX_IDS, personalDataIn, personalFieldsIn, type AccessRecord } from '../../src/audit/access-log';
import { ERASED } from '../../src/domain/pii';
import { customersLedger } from '../../src/processes/customer/ledger';
import { ALL_LEDGERS } from '../../src/projections/ledgers';
import { tempDir } from '../support/store';

const access = (over: Partial<AccessRecord> = {}): AccessRecord => ({
  actor: 'sup-1',
  role: 'supervisor',
  method: 'GET',
  route: '/ledgers/:name',
  kind: 'ledger',
  subject: 'customers',
  customerIds: ['C1'],
  rows: 1,
  columns: ['phone'],
  requestId: 'req-1',
  ...over,
});

describe('the access log', () => {
  const t = tempDir('taizhang-access-');
  afterAll(() => t.cleanup());

  it('appends accesses and lists them newest first, by actor and time; they survive a reopen', () => {
    const file = path.join(t.dir, 'access.db');
    const log = new AccessLog(file);
    log.record(access({ at: '2026-10-09T01:00:00.000Z' }));
    log.record(access({ actor: 'aud-1', role: 'auditor', kind: 'stream', subject: 'customer-C1', route: '/audit/history/*', at: '2026-10-09T02:00:00.000Z' }));
    const third = log.record(access({ kind: 'export', route: '/ledgers/:name/export', rows: 3, customerIds: ['C1', 'C2', 'C3'], asOf: '2026-10-01T00:00:00+08:00', at: '2026-10-09T03:00:00.000Z' }));
    expect(third).toMatchObject({ id: 3, asOf: '2026-10-01T00:00:00+08:00' });
    log.close();

    const again = new AccessLog(file);
    try {
      expect(again.list().map((e) => e.id)).toEqual([3, 2, 1]);
      expect(again.list({ actor: 'sup-1' }).map((e) => e.id)).toEqual([3, 1]);
      // Instants in any offset: 10:00+08:00 is 02:00Z.
      expect(again.list({ since: '2026-10-09T10:00:00+08:00' }).map((e) => e.id)).toEqual([3, 2]);
      expect(again.list({ until: '2026-10-09T02:00:00Z' }).map((e) => e.id)).toEqual([1]);
      expect(again.list({ limit: 1 }).map((e) => e.id)).toEqual([3]);
      expect(again.list({ actor: 'aud-1' })[0]).toEqual({
        id: 2,
        at: '2026-10-09T02:00:00.000Z',
        actor: 'aud-1',
        role: 'auditor',
        method: 'GET',
        route: '/audit/history/*',
        kind: 'stream',
        subject: 'customer-C1',
        customerIds: ['C1'],
        rows: 1,
        columns: ['phone'],
        asOf: null,
        requestId: 'req-1',
      });
    } finally {
      again.close();
    }
  });

  it('is append-only: UPDATE and DELETE are refused by the database itself', () => {
    const log = new AccessLog(path.join(t.dir, 'append-only.db'));
    try {
      log.record(access());
      expect(() => log.db.prepare("UPDATE access_events SET actor = 'nobody'").run()).toThrow(/append-only/);
      expect(() => log.db.prepare('DELETE FROM access_events').run()).toThrow(/append-only/);
      expect(log.list()).toHaveLength(1);
      expect(log.list()[0]!.actor).toBe('sup-1');
    } finally {
      log.close();
    }
  });

  it('an entry names at most MAX_IDS customers, and the row count always', () => {
    const log = new AccessLog(':memory:');
    try {
      const ids = Array.from({ length: MAX_IDS + 5 }, (_, i) => `C${i}`);
      log.record(access({ kind: 'export', customerIds: ids, rows: ids.length }));
      const [e] = log.list();
      expect(e!.customerIds).toHaveLength(MAX_IDS);
      expect(e!.rows).toBe(MAX_IDS + 5);
    } finally {
      log.close();
    }
  });

  it('what rows show of personal data: the columns holding it, the rows, the customers; an organisation’s name and erased values are none', () => {
    const rows = [
      { customer_id: 'C1', name: '张伟', party: 'person', phone: '13812345678', email: null },
      { customer_id: 'C2', name: '上海宏达有限公司', party: 'organisation', phone: null, email: null },
      { customer_id: 'C3', name: ERASED, party: 'person', phone: ERASED, email: 'li@example.com' },
      { customer_id: 'C4', name: '某某公司', party: 'organisation', phone: '', email: null },
    ];
    expect(personalDataIn(customersLedger, rows)).toEqual({ columns: ['name', 'phone', 'email'], rows: 2, customerIds: ['C1', 'C3'] });
    const complaints = ALL_LEDGERS.find((l) => l.name === 'complaints')!;
    expect(personalDataIn(complaints, [{ complaint_id: 'K1', customer_id: 'C1', summary: '客户来电13812345678' }, { complaint_id: 'K2', customer_id: 'C2', summary: '重复扣费' }])).toEqual({
      columns: ['summary'],
      rows: 1,
      customerIds: ['C1'],
    });
  });

  it('what a record shows of personal data: the fields with a value, by name, lists collapsed; erased and empty values are none', () => {
    const state = {
      customerId: 'C1',
      profile: { name: '张伟', phone: '13812345678', email: '', address: ERASED, grade: 'B' },
      changes: [{ contact: { phone: '13900000000' }, reason: '更正' }, { contact: { phone: '13700000000' } }],
    };
    expect(personalFieldsIn(state, new Set(['name', 'phone', 'email', 'address']))).toEqual(['profile.name', 'profile.phone', 'changes[].contact.phone']);
    expect(personalFieldsIn({ status: 'unregistered' }, new Set(['phone']))).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerRow, ProjectedEvent } from '../../src/domain/ledger';
import { resolutionsLedger } from '../../src/processes/complaint/ledger';
import { customersLedger, slaClassReason } from '../../src/processes/customer/ledger';
import { LEDGERS } from '../../src/projections/ledgers';
import { kpiView } from '../../src/projections/ledgers/kpi';
import { LedgerDb } from '../../src/projections/ledger-db';
import { tableOf } from '../../src/projections/projection';
import { given, recorded } from '../support/rows';

/** KPI figures across reopenings: the views over the ledgers the projection rules give for these events. */
const cn = (t: string) => `${t}+08:00`;
const deadline = (kind: string, due: string) => ({ kind, due, targetMinutes: 120, warnAt: null, escalations: [] });
const basis = { policy: 'default@4', calendar: { source: 'chinese-days@1.5.7 (data 2004–2026)', warnings: [] } };

function story(id: string) {
  let revision = 0;
  const ev = (type: string, data: Record<string, unknown>, at: string, actor = 'li.na') => recorded(`complaint-${id}`, revision++, type, { complaintId: id, ...data }, { occurredAt: at, actor });
  return {
    received: (at: string) =>
      ev('ComplaintReceived', {
        customerId: 'C1', channel: 'phone', category: 'delivery', severity: 'normal', summary: '送货延迟', owner: 'li.na', customerClass: 'ordinary',
        receivedAt: at, firstResponse: deadline('first_response', at), resolution: deadline('resolution', at), basis, notifyAtOnce: [],
      }, at),
    notified: (at: string, onTime: boolean) => ev('CustomerNotified', { result: '已补发', onTime, followUpDue: at }, at),
    followUp: (at: string, rating: number) => ev('FollowUpRecorded', { rating, satisfied: rating >= 3 }, at),
    reopened: (at: string) => ev('ComplaintReopened', { reason: '客户不满意', resolution: deadline('resolution', at), basis }, at, 'zhao.min'),
    closed: (at: string) => ev('ComplaintClosed', {}, at),
  };
}

let db: LedgerDb | undefined;
afterEach(() => db?.close());

/** The monthly KPI rows (Beijing months) over the ledgers these events give. */
function monthly(events: ProjectedEvent[]): LedgerRow[] {
  db = new LedgerDb(':memory:', LEDGERS);
  for (const l of LEDGERS) {
    for (const row of given(events).rows(l)) {
      const cols = l.columns.map((c) => c.name);
      db.db.prepare(`INSERT INTO "${tableOf(l)}" (${cols.map((c) => `"${c}"`).join(', ')}, _position) VALUES (${cols.map(() => '?').join(', ')}, '1')`).run(...cols.map((c) => row[c] ?? null));
    }
  }
  const view = kpiView('month');
  return db.db.prepare(`SELECT period, resolved, resolved_on_time, on_time_rate, closed, closed_first_contact, first_contact_rate FROM (${view.sql}) ORDER BY period`).all() as LedgerRow[];
}

describe('KPIs and reopenings', () => {
  it('a negative follow-up reopens the complaint: its resolution stays counted, the rate is not blank', () => {
    const k1 = story('K1');
    const rows = monthly([k1.received(cn('2026-10-09T09:00:00')), k1.notified(cn('2026-10-10T10:00:00'), true), k1.followUp(cn('2026-10-12T10:00:00'), 2), k1.reopened(cn('2026-10-12T10:00:00'))]);
    expect(rows).toEqual([{ period: '2026-10', resolved: 1, resolved_on_time: 1, on_time_rate: 100, closed: 0, closed_first_contact: 0, first_contact_rate: null }]);
  });

  it('a close stays in its month after a reopening; the complaint counts again when resolved and closed again', () => {
    const k2 = story('K2');
    const k3 = story('K3');
    const rows = monthly([
      k2.received(cn('2026-10-09T09:00:00')),
      k3.received(cn('2026-10-09T10:00:00')),
      k2.notified(cn('2026-10-10T10:00:00'), true),
      k3.notified(cn('2026-10-10T11:00:00'), false),
      k2.followUp(cn('2026-10-14T10:00:00'), 4),
      k3.followUp(cn('2026-10-14T11:00:00'), 5),
      k2.closed(cn('2026-10-15T10:00:00')),
      k3.closed(cn('2026-11-01T01:30:00')), // 2026-10-31T17:30Z: November in Beijing, October in UTC
      k2.reopened(cn('2026-11-02T09:00:00')),
      k2.notified(cn('2026-11-03T09:00:00'), false),
      k2.followUp(cn('2026-11-04T09:00:00'), 3),
      k2.closed(cn('2026-11-05T09:00:00')),
    ]);
    expect(rows).toEqual([
      // K2 was reopened: its October close still counts, no longer as 一次办结 (a rate of 0, not blank).
      { period: '2026-10', resolved: 2, resolved_on_time: 1, on_time_rate: 50, closed: 1, closed_first_contact: 0, first_contact_rate: 0 },
      // K2 resolved late against its new deadline and closed again; K3 closed once, in November by Beijing time.
      { period: '2026-11', resolved: 1, resolved_on_time: 0, on_time_rate: 0, closed: 2, closed_first_contact: 1, first_contact_rate: 50 },
    ]);
  });

  it('a complaint closed, reopened and closed again in one month counts once among the closes', () => {
    const k4 = story('K4');
    const rows = monthly([
      k4.received(cn('2026-10-09T09:00:00')), k4.notified(cn('2026-10-10T10:00:00'), true), k4.closed(cn('2026-10-11T10:00:00')),
      k4.reopened(cn('2026-10-12T10:00:00')), k4.notified(cn('2026-10-13T10:00:00'), true), k4.closed(cn('2026-10-14T10:00:00')),
    ]);
    expect(rows).toEqual([{ period: '2026-10', resolved: 2, resolved_on_time: 2, on_time_rate: 100, closed: 1, closed_first_contact: 0, first_contact_rate: 0 }]);
  });

  it('the resolutions ledger keeps one row per resolution and per close', () => {
    const k5 = story('K5');
    const rows = given([k5.received(cn('2026-10-09T09:00:00')), k5.notified(cn('2026-10-10T10:00:00'), false), k5.closed(cn('2026-10-11T10:00:00'))]).rows(resolutionsLedger);
    expect(rows.map((r) => [r.kind, r.at, r.on_time, r.complaint_id])).toEqual([
      ['resolution', cn('2026-10-10T10:00:00'), 0, 'K5'],
      ['closure', cn('2026-10-11T10:00:00'), null, 'K5'],
    ]);
  });
});

describe('the SLA class beside importance and grade', () => {
  const cust = (revision: number, type: string, data: Record<string, unknown>) => recorded('customer-C9', revision, type, { customerId: 'C9', ...data }, { occurredAt: '2026-10-09T01:00:00.000Z' });
  it('explains a key class that importance alone does not: grade A', () => {
    const [row] = given([cust(0, 'CustomerRegistered', { name: '某物业', type: 'owner', importance: 'ordinary', grade: 'A' })]).rows(customersLedger);
    expect([row!.importance, row!.grade, row!.customer_class, row!.sla_class_reason]).toEqual(['ordinary', 'A', 'key', 'A 级']);
  });
  it('names each reason', () => {
    expect(slaClassReason({ status: 'registered', importance: 'key', grade: 'A' })).toBe('重点客户、A 级');
    expect(slaClassReason({ status: 'registered', importance: 'key', grade: 'C' })).toBe('重点客户');
    expect(slaClassReason({ status: 'registered', importance: 'ordinary', grade: 'B' })).toBe('普通客户，非 A 级');
    expect(slaClassReason({ status: 'pending', importance: 'ordinary', grade: 'A' })).toBe('普通客户（等级待审批生效）');
  });
});

import { columnsOf, CUSTOMER_LOOKUP, flag, type CellValue, type Column, type LedgerProjection, type LedgerRow, type ProjectedEvent } from '../../domain/ledger';
import { effectiveParty } from '../../domain/pii';
import { idOfStream } from '../../domain/streams';
import { changeSummary, scoresText } from './changes';
import { customerClassOf } from './decider';
import type { CustomerEvent, CustomerEventOf } from './schemas';

/**
 * Node side. 客户台账 (`customers`): one row per customer — its approved master data, whether its registration is
 * pending, approved, rejected or withdrawn, the changes still waiting for their checkers, the flags and the grade history.
 * 客户资料变更台账 (`customer_changes`): one row per change — what it proposes (personal data only in columns marked as
 * such), who submitted it, by when it must be decided, who approved, who decided, why, and its second review.
 *
 * Both show whether the customer is a person or an organisation (`party`): the name is personal data, masked for roles
 * that may not see personal data, only in a person's rows.
 */

type Projected = ProjectedEvent & CustomerEvent;
const SEP = '; ';
const entries = (v: CellValue | undefined): string[] => (typeof v === 'string' && v ? v.split(SEP) : []);
const joined = (xs: readonly string[]): string | null => (xs.length ? xs.join(SEP) : null);

/** The pending list on a customer's row: `C1-3 grade C→B; C1-4 contact (phone)`, each entry led by its change id. */
function pending(row: LedgerRow, change: { add?: string; remove?: string }): { pending_changes: number; pending_summary: string | null } {
  const kept = entries(row.pending_summary).filter((x) => change.remove === undefined || !x.startsWith(`${change.remove} `));
  const list = change.add ? [...kept, change.add] : kept;
  return { pending_changes: list.length, pending_summary: joined(list) };
}

const classOf = (row: LedgerRow, over: { importance?: string; grade?: string } = {}) =>
  customerClassOf({ importance: (over.importance ?? row.importance) as 'key' | 'ordinary', grade: (over.grade ?? row.grade) as 'A' | 'B' | 'C' | 'D' });

/**
 * Why a customer has its service class (服务级别): importance (重点客户/普通客户) and grade (A–D) are separate axes, and
 * the class is key when the customer is a key account or of grade A (customerClassOf). Shown beside both, so that
 * 重要性 普通 next to 服务级别 重点 reads as what it is. A registration awaiting approval has no grade in force yet.
 */
export function slaClassReason(row: LedgerRow): string {
  const keyAccount = row.importance === 'key';
  const gradeA = row.status === 'registered' && row.grade === 'A';
  if (keyAccount && gradeA) return '重点客户、A 级';
  if (keyAccount) return '重点客户';
  if (gradeA) return 'A 级';
  if (row.status === 'registered') return '普通客户，非 A 级';
  return row.status === 'pending' ? '普通客户（等级待审批生效）' : '普通客户';
}

const CUSTOMER_COLUMNS = [
  ...['customer_id', 'name', 'status', 'contact_person', 'phone', 'email', 'address', 'type', 'party', 'importance', 'grade', 'customer_class', 'sla_class_reason', 'account_manager'],
  ...['blacklisted', 'repeated_claims', 'pending_changes', 'pending_summary', 'grade_scores', 'grade_history', 'registered_at', 'registered_by', 'approved_by'],
  ...['updated_at', 'revision'],
];

/** The name columns are personal data unless the row's party is an organisation. */
const nameOfParty = (c: Column): Column => (c.name === 'name' || c.name === 'proposed_name' ? { ...c, piiUnless: { column: 'party', equals: 'organisation' } } : c);

type Registration = CustomerEventOf<'CustomerRegistered'>['data'];
const profileCells = (d: Omit<Registration, 'customerId'>, before?: CellValue) => ({
  name: d.name,
  party: effectiveParty(d.party, d.type, before as string | null | undefined),
  contact_person: d.contactPerson ?? null,
  phone: d.phone ?? null,
  email: d.email ?? null,
  address: d.address ?? null,
  type: d.type,
  grade: d.grade,
  account_manager: d.accountManager ?? null,
});

const emptyRow = (customerId: string): LedgerRow => ({
  customer_id: customerId,
  status: 'pending',
  name: null,
  contact_person: null,
  phone: null,
  email: null,
  address: null,
  type: null,
  party: null,
  importance: 'ordinary',
  grade: null,
  customer_class: 'ordinary',
  account_manager: null,
  blacklisted: 0,
  repeated_claims: 0,
  pending_changes: 0,
  pending_summary: null,
  grade_scores: null,
  grade_history: null,
  registered_at: null,
  registered_by: null,
  approved_by: null,
});

function customerRow(row: LedgerRow | undefined, e: Projected): LedgerRow | undefined {
  const at = e.metadata.occurredAt;
  switch (e.type) {
    case 'CustomerRegistered': {
      // Approved at once (before maker-checker: its actor registered it) or by the checker whose decision precedes it.
      const { customerId, ...d } = e.data;
      const base = row ?? { ...emptyRow(customerId), registered_by: e.metadata.actor };
      const approvedBy = row ? e.metadata.actor : null;
      return { ...base, ...profileCells(d, base.party), status: 'registered', importance: d.importance, customer_class: customerClassOf(d), registered_at: at, approved_by: approvedBy };
    }
    case 'CustomerChangeSubmitted': {
      const d = e.data;
      const base = row ?? emptyRow(d.customerId);
      const entry = `${d.changeId} ${changeSummary(d)}`;
      if (d.kind === 'registration' && d.registration && base.status !== 'registered') {
        const cells = profileCells(d.registration, base.party);
        return { ...base, ...cells, status: 'pending', customer_class: classOf(base, { grade: 'D' }), registered_by: d.maker, ...pending(base, { add: entry }) };
      }
      return { ...base, ...pending(base, { add: entry }) };
    }
    default:
      break;
  }
  if (!row) return undefined;
  switch (e.type) {
    case 'CustomerChangeDecided': {
      const d = e.data;
      if (d.outcome === 'pending') return row;
      const rejectedRegistration = d.outcome === 'rejected' && d.kind === 'registration' && row.status !== 'registered';
      return { ...row, ...pending(row, { remove: d.changeId }), ...(rejectedRegistration ? { status: 'rejected' } : {}) };
    }
    case 'CustomerChangeWithdrawn': {
      const withdrawnRegistration = e.data.kind === 'registration' && row.status !== 'registered';
      return { ...row, ...pending(row, { remove: e.data.changeId }), ...(withdrawnRegistration ? { status: 'withdrawn' } : {}) };
    }
    case 'CustomerSecondReviewRequested': {
      const reopened = e.data.kind === 'registration' && row.status !== 'registered';
      return { ...row, ...pending(row, { remove: e.data.changeId, add: `${e.data.changeId} ${e.data.kind} (second review)` }), ...(reopened ? { status: 'pending' } : {}) };
    }
    case 'CustomerContactUpdated': {
      const c = e.data.changes;
      return {
        ...row,
        ...(c.contactPerson !== undefined ? { contact_person: c.contactPerson } : {}),
        ...(c.phone !== undefined ? { phone: c.phone } : {}),
        ...(c.email !== undefined ? { email: c.email } : {}),
        ...(c.address !== undefined ? { address: c.address } : {}),
      };
    }
    case 'CustomerProfileChanged': {
      const c = e.data.changes;
      return {
        ...row,
        ...(c.name !== undefined ? { name: c.name } : {}),
        ...(c.type !== undefined ? { type: c.type, party: effectiveParty(undefined, c.type, row.party as string | null) } : {}),
        ...(c.accountManager !== undefined ? { account_manager: c.accountManager } : {}),
      };
    }
    case 'CustomerFlagChanged':
      return e.data.flag === 'blacklist' ? { ...row, blacklisted: flag(e.data.set) } : { ...row, repeated_claims: flag(e.data.set) };
    case 'CustomerGradeChanged': {
      const d = e.data;
      const history = [...entries(row.grade_history), `${d.from}→${d.to} ${d.effectiveOn} ${d.approvedBy.join('+')} 文号 ${d.noticeRef}`];
      return { ...row, grade: d.to, customer_class: classOf(row, { grade: d.to }), grade_scores: scoresText(d.scores), grade_history: joined(history) };
    }
    // Its personal cells stay as stored (sealed with the destroyed key, they read [已删除]); the row says why.
    case 'CustomerErased':
      return { ...row, status: 'erased' };
    case 'CustomerImportanceChanged':
      return { ...row, importance: e.data.to, customer_class: row.status === 'registered' ? classOf(row, { importance: e.data.to }) : classOf(row, { importance: e.data.to, grade: 'D' }) };
    default:
      return undefined;
  }
}

/** Node side. 客户台账: one row per customer. */
export const customersLedger: LedgerProjection = {
  name: 'customers',
  version: 5,
  title: { zh: '客户台账', en: 'Customers' },
  key: ['customer_id'],
  orderBy: 'registered_at, customer_id',
  columns: columnsOf('customers', CUSTOMER_COLUMNS, { indexed: ['status', 'importance', 'grade', 'registered_at'] }).map(nameOfParty),
  handles: [
    ...['CustomerRegistered', 'CustomerContactUpdated', 'CustomerChangeSubmitted', 'CustomerChangeDecided', 'CustomerChangeWithdrawn', 'CustomerSecondReviewRequested'],
    ...['CustomerProfileChanged', 'CustomerFlagChanged', 'CustomerGradeChanged', 'CustomerImportanceChanged', 'CustomerErased'],
  ],
  rowKey: (e) => ({ customer_id: idOfStream(e.streamName) }),
  evolve(row, raw) {
    const e = raw as Projected;
    const next = customerRow(row, e);
    return next && { ...next, sla_class_reason: slaClassReason(next), updated_at: e.metadata.occurredAt, revision: e.revision };
  },
};

// ── customer_changes ────────────────────────────────────────────────────────────────────

const CHANGE_COLUMNS = [
  ...['change_id', 'customer_id', 'kind', 'fields', 'summary', 'status', 'maker', 'request_reason', 'submitted_at', 'due_at', 'checkers', 'approvals'],
  ...['decided_by', 'decided_at', 'reason', 'notice_ref', 'second_review', 'escalation_level'],
  ...['proposed_name', 'party', 'proposed_contact_person', 'proposed_phone', 'proposed_email', 'proposed_address', 'updated_at', 'revision'],
];

const checkers = (s: { roles: string[]; quorum: number }) => `${s.roles.join(', ')}${s.quorum > 1 ? ` ×${s.quorum}` : ''}`;

function changeRow(row: LedgerRow | undefined, e: Projected): LedgerRow | undefined {
  if (e.type === 'CustomerChangeSubmitted') {
    const d = e.data;
    // Proposed values: personal data, in the columns marked as such (masked for roles that may not see them).
    const p = { ...d.registration, ...d.contact, ...d.profile };
    return {
      change_id: d.changeId,
      customer_id: d.customerId,
      kind: d.kind,
      fields: d.fields.join(', '),
      summary: changeSummary(d),
      status: 'pending',
      maker: d.maker,
      request_reason: d.reason ?? null,
      submitted_at: d.submittedAt,
      due_at: d.step.deadline?.due ?? null,
      checkers: checkers(d.step),
      approvals: null,
      decided_by: null,
      decided_at: null,
      reason: null,
      notice_ref: null,
      second_review: null,
      escalation_level: 0,
      proposed_name: p.name ?? null,
      // A registration says whose it is; a change of name does not, so its proposed name counts as a person's.
      party: d.registration ? effectiveParty(d.registration.party, d.registration.type) : null,
      proposed_contact_person: p.contactPerson ?? null,
      proposed_phone: p.phone ?? null,
      proposed_email: p.email ?? null,
      proposed_address: p.address ?? null,
    };
  }
  if (!row) return undefined;
  switch (e.type) {
    case 'CustomerChangeDecided': {
      const d = e.data;
      const decided = d.outcome !== 'pending';
      const second: LedgerRow = d.step === 'second_review' ? { second_review: `${d.verdict === 'approve' ? 'approved' : 'rejected'} by ${d.decidedBy} at ${d.at}` } : {};
      return {
        ...row,
        approvals: d.approvals.length ? d.approvals.join(', ') : null,
        ...(decided ? { status: d.outcome, decided_by: d.decidedBy, decided_at: d.at, reason: d.reason ?? null } : {}),
        ...(d.noticeRef ? { notice_ref: d.noticeRef } : {}),
        ...second,
      };
    }
    case 'CustomerChangeWithdrawn':
      return { ...row, status: 'withdrawn', decided_by: e.data.withdrawnBy, decided_at: e.data.at, reason: e.data.reason ?? null };
    case 'CustomerSecondReviewRequested': {
      const d = e.data;
      return { ...row, status: 'second_review', due_at: d.step.deadline?.due ?? null, checkers: checkers(d.step), approvals: null, second_review: `requested by ${d.requestedBy} at ${d.at}: ${d.reason}` };
    }
    case 'CustomerApprovalEscalated':
      return { ...row, escalation_level: Math.max(Number(row.escalation_level ?? 0), e.data.level) };
    default:
      return undefined;
  }
}

/** Node side. 客户资料变更台账: one row per master-data change. */
export const customerChangesLedger: LedgerProjection = {
  name: 'customer_changes',
  version: 2,
  title: { zh: '客户资料变更台账', en: 'Customer master-data changes' },
  key: ['change_id'],
  orderBy: 'submitted_at, change_id',
  columns: columnsOf('customer_changes', CHANGE_COLUMNS, { indexed: ['customer_id', 'kind', 'status', 'maker', 'submitted_at'] }).map(nameOfParty),
  // The customer's current name beside the proposed one (read from the customers ledger, not projected here).
  lookups: [CUSTOMER_LOOKUP],
  handles: ['CustomerChangeSubmitted', 'CustomerChangeDecided', 'CustomerChangeWithdrawn', 'CustomerSecondReviewRequested', 'CustomerApprovalEscalated'],
  rowKey: (e) => {
    const id = (e.data as { changeId?: unknown }).changeId;
    return typeof id === 'string' ? { change_id: id } : undefined;
  },
  evolve(row, raw) {
    const e = raw as Projected;
    const next = changeRow(row, e);
    return next && { ...next, updated_at: e.metadata.occurredAt, revision: e.revision };
  },
};

import { CUSTOMER_LOOKUP, columnsOf, entityLedger, flag, type LedgerProjection, type LedgerRow, type ProjectedEvent } from '../../domain/ledger';
import { idOfStream } from '../../domain/streams';
import { changeStatusAfter } from './decider';
import { changeEventSchemas, type ChangeEvent } from './schemas';

/**
 * Node side. 变更台账 (`changes`): one row per change request — kind, tier, the step it is at and whom it waits for,
 * approvers, deadlines, status. 变更环节 (`change_steps`): one row per opinion, decision, sign-off and every later step,
 * with who, when and why.
 */

const list = (v: unknown): string[] => (typeof v === 'string' && v ? v.split(',') : []);
const join = (xs: readonly string[]): string | null => (xs.length ? xs.join(',') : null);

/** The form's columns an amendment may change: the amended value where it gives one, else the row's. */
const amended = (row: LedgerRow, c: { amount?: number; affects?: string; wantedBy?: string }): LedgerRow => ({
  amount: c.amount ?? row.amount ?? null,
  affects: c.affects ?? row.affects ?? null,
  wanted_by: c.wantedBy ?? row.wanted_by ?? null,
});

export const changesLedger = entityLedger<ChangeEvent>({
  name: 'changes',
  version: 1,
  title: { zh: '变更台账', en: 'Change requests' },
  key: 'change_id',
  orderBy: 'submitted_at, change_id',
  columns: [
    ...['change_id', 'customer_id', 'customer_class', 'kind', 'amount', 'affects', 'wanted_by', 'changes_approved_plan', 'requester', 'submitted_at', 'status'],
    ...['step', 'waiting_for', 'step_due', 'tier', 'round', 'reviews', 'approvers', 'rejected_reason', 'second_review', 'sign_off_ref', 'team', 'implementer'],
    ...['last_progress_at', 'remind_at', 'shelve_at', 'escalation_level', 'closed_at', 'policy', 'updated_at', 'revision'],
  ],
  indexed: ['customer_id', 'status', 'tier', 'requester', 'submitted_at'],
  // The customer's name as the customers ledger has it when read (the projector still writes one row per event).
  lookups: [CUSTOMER_LOOKUP],
  handles: Object.keys(changeEventSchemas),
  status: (status, e) => changeStatusAfter(status as never, e),
  // The time limit of the step it waits in, whichever step that is.
  replanned: { process: 'change', dueColumns: { review: 'step_due', approval: 'step_due', second_review: 'step_due', signoff: 'step_due', verify: 'step_due' } },
  created(e) {
    if (e.type !== 'ChangeRequested') return undefined;
    const d = e.data;
    return {
      change_id: d.changeId,
      customer_id: d.customerId,
      customer_class: d.customerClass,
      kind: d.kind,
      amount: d.amount,
      affects: d.affects,
      wanted_by: d.wantedBy ?? null,
      changes_approved_plan: flag(d.changesApprovedPlan),
      requester: d.requester,
      submitted_at: d.submittedAt,
      step: `review 0/${d.panels.length}`,
      waiting_for: d.panels.map((p) => p.label).join('、'),
      step_due: d.review.due,
      tier: d.tier.name,
      round: 1,
      reviews: null,
      approvers: null,
      rejected_reason: null,
      second_review: null,
      sign_off_ref: null,
      team: null,
      implementer: null,
      last_progress_at: null,
      remind_at: null,
      shelve_at: null,
      escalation_level: 0,
      closed_at: null,
      policy: d.basis.policy,
    };
  },
  changed(row, e) {
    const at = e.metadata.occurredAt;
    switch (e.type) {
      case 'ChangeReviewed': {
        const reviews = [...list(row.reviews), `${e.data.panel}:${e.data.opinion}`];
        const outstanding = e.data.outstanding;
        return { reviews: join(reviews), step: `review ${reviews.length}/${reviews.length + outstanding.length}`, waiting_for: outstanding.join('、') || null };
      }
      case 'ChangeSentForApproval':
      case 'ChangeAmended': {
        const t = e.data.tier;
        return {
          step: `approval: ${t.name} 0/${t.quorum}`,
          waiting_for: t.label,
          step_due: e.data.step.deadline?.due ?? null,
          tier: t.name,
          round: e.data.round,
          approvers: null,
          rejected_reason: null,
          ...(e.type === 'ChangeAmended' ? { ...amended(row, e.data.changes), second_review: null, sign_off_ref: null, team: null, implementer: null, remind_at: null, shelve_at: null } : {}),
        };
      }
      case 'ChangeDecisionRecorded':
        return e.data.step === 'approval' && e.data.outcome === 'pending' ? { approvers: join(e.data.approvals), step: `approval: ${row.tier} ${e.data.approvals.length}/${e.data.quorum}` } : { approvers: join(e.data.approvals) };
      case 'ChangeApproved':
        return { step: 'signoff', waiting_for: row.requester ?? null, step_due: e.data.signOff.due, approvers: join(e.data.approvers), ...(e.data.step === 'second_review' ? { second_review: 'approved' } : {}) };
      case 'ChangeRejected':
        return { step: e.data.secondReviewOpen ? 'rejected (second review possible)' : 'rejected', waiting_for: e.data.secondReviewOpen ? row.requester ?? null : null, step_due: null, rejected_reason: e.data.reason, ...(e.data.step === 'second_review' ? { second_review: 'rejected' } : {}) };
      case 'ChangeSecondReviewRequested':
        return { step: 'second_review', waiting_for: e.data.step.roles.join(','), step_due: e.data.step.deadline?.due ?? null, second_review: 'requested' };
      case 'ChangeSignedOff':
        return { step: 'implementation', waiting_for: null, step_due: null, sign_off_ref: e.data.documentRef };
      case 'ChangeImplementationStarted':
        return { team: e.data.team, implementer: e.data.owner, waiting_for: e.data.owner, last_progress_at: at, remind_at: e.data.inactivity.remindAt, shelve_at: e.data.inactivity.shelveAt, step_due: e.data.inactivity.remindAt };
      case 'ChangeImplementationUpdated':
        return { step: 'implementation', last_progress_at: at, remind_at: e.data.inactivity.remindAt, shelve_at: e.data.inactivity.shelveAt, step_due: e.data.inactivity.remindAt };
      case 'ChangeImplemented':
        return { step: 'verify', waiting_for: row.requester ?? null, step_due: e.data.verify.due, last_progress_at: at, remind_at: null, shelve_at: null };
      case 'ChangeVerified':
        return e.data.passed
          ? { step: 'close', waiting_for: row.requester ?? null, step_due: null }
          : { step: 'implementation', waiting_for: row.implementer ?? null, last_progress_at: at, remind_at: e.data.inactivity?.remindAt ?? null, shelve_at: e.data.inactivity?.shelveAt ?? null, step_due: e.data.inactivity?.remindAt ?? null };
      case 'ChangeShelved':
        return { step: 'shelved', step_due: null, remind_at: null, shelve_at: null };
      case 'ChangeClosed':
        return { step: 'closed', waiting_for: null, step_due: null, remind_at: null, shelve_at: null, closed_at: at };
      case 'ChangeCancelled':
        return { step: 'cancelled', waiting_for: null, step_due: null, remind_at: null, shelve_at: null, closed_at: at };
      case 'ChangeEscalated':
        return { escalation_level: Math.max(Number(row.escalation_level ?? 0), e.data.level) };
      default:
        return undefined;
    }
  },
});

/** What each event of a change request records as a step: its name, the verdict or opinion, and the document. */
function stepOf(e: ProjectedEvent & ChangeEvent): Omit<LedgerRow, 'event_id' | 'change_id' | 'actor' | 'role' | 'at' | 'reason'> | undefined {
  const d = e.data;
  switch (e.type) {
    case 'ChangeRequested':
      return { step: 'submit', verdict: null, document_ref: null, round: 1 };
    case 'ChangeReviewed':
      return { step: `review:${e.data.panel}`, verdict: e.data.opinion, document_ref: null, round: null };
    case 'ChangeDecisionRecorded':
      return { step: e.data.step, verdict: e.data.verdict, document_ref: null, round: e.data.round };
    case 'ChangeSecondReviewRequested':
      return { step: 'second_review_requested', verdict: null, document_ref: null, round: e.data.round };
    case 'ChangeSignedOff':
      return { step: 'signoff', verdict: null, document_ref: e.data.documentRef, round: null };
    case 'ChangeImplementationStarted':
      return { step: 'implementation_started', verdict: null, document_ref: null, round: null };
    case 'ChangeImplementationUpdated':
      return { step: e.data.resumed ? 'implementation_resumed' : 'implementation_progress', verdict: null, document_ref: null, round: null };
    case 'ChangeImplemented':
      return { step: 'implemented', verdict: null, document_ref: null, round: null };
    case 'ChangeVerified':
      return { step: 'verify', verdict: e.data.passed ? 'passed' : 'failed', document_ref: null, round: null };
    case 'ChangeClosed':
      return { step: 'close', verdict: null, document_ref: null, round: null };
    case 'ChangeCancelled':
      return { step: 'cancel', verdict: null, document_ref: null, round: null };
    case 'ChangeAmended':
      return { step: 'amend', verdict: null, document_ref: null, round: e.data.round };
    case 'ChangeInactivityReminded':
      return { step: `inactivity_${e.data.level}`, verdict: null, document_ref: null, round: null };
    case 'ChangeShelved':
      return { step: 'shelved', verdict: null, document_ref: null, round: null };
    default:
      void d;
      return undefined;
  }
}

/** The words of a step: the opinion's comment, the decision's reason, the note, or what the engine recorded. */
function wordsOf(e: ProjectedEvent & ChangeEvent): string | null {
  const d = e.data as { reason?: string; comment?: string; note?: string };
  const signatory = e.type === 'ChangeSignedOff' ? `signed by ${e.data.signatory} on ${e.data.signedOn}` : undefined;
  const team = e.type === 'ChangeImplementationStarted' ? `team ${e.data.team}, owner ${e.data.owner}` : undefined;
  return d.reason ?? d.comment ?? d.note ?? signatory ?? team ?? e.metadata.reason ?? null;
}

export const changeStepsLedger: LedgerProjection = {
  name: 'change_steps',
  version: 1,
  title: { zh: '变更环节', en: 'Change request steps' },
  key: ['event_id'],
  orderBy: 'at, event_id',
  columns: columnsOf('change_steps', ['event_id', 'change_id', 'step', 'round', 'verdict', 'actor', 'role', 'at', 'reason', 'document_ref'], { indexed: ['change_id', 'actor', 'at'] }),
  handles: Object.keys(changeEventSchemas),
  rowKey: (e) => ({ event_id: e.id }),
  evolve(_row, raw) {
    const e = raw as ProjectedEvent & ChangeEvent;
    const step = stepOf(e);
    if (!step) return undefined;
    return { event_id: e.id, change_id: idOfStream(e.streamName), ...step, actor: e.metadata.actor, role: e.metadata.role, at: e.metadata.occurredAt, reason: wordsOf(e) };
  },
};

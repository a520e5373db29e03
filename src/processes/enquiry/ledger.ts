import { CUSTOMER_LOOKUP, entityLedger, flag } from '../../domain/ledger';
import { enquiryStatusAfter, type EnquiryStatus } from './decider';
import { enquiryEventSchemas, type EnquiryEvent } from './schemas';

/** Node side. 咨询台账: one row per enquiry, who took it first, where it went, whether it was answered in time. */
export const enquiriesLedger = entityLedger<EnquiryEvent>({
  name: 'enquiries',
  version: 1,
  title: { zh: '咨询台账', en: 'Enquiries' },
  key: 'enquiry_id',
  orderBy: 'received_at, enquiry_id',
  columns: [
    ...['enquiry_id', 'customer_id', 'status', 'channel', 'topic', 'major', 'owner', 'handler', 'department', 'transfers', 'received_at'],
    ...['answer_due', 'answered_at', 'answered_by', 'answered_on_time', 'first_contact', 'escalation_level', 'closed_at', 'policy'],
    ...['updated_at', 'revision'],
  ],
  indexed: ['customer_id', 'status', 'owner', 'handler', 'received_at'],
  // The customer's name as the customers ledger has it when read (the projector still writes one row per event).
  lookups: [CUSTOMER_LOOKUP],
  handles: Object.keys(enquiryEventSchemas),
  status: (status, e) => enquiryStatusAfter(status as EnquiryStatus | null, e),
  replanned: { process: 'enquiry', dueColumns: { answer: 'answer_due' } },
  created(e) {
    if (e.type !== 'EnquiryReceived') return undefined;
    const d = e.data;
    return {
      enquiry_id: d.enquiryId,
      customer_id: d.customerId ?? null,
      channel: d.channel,
      topic: d.topic,
      major: flag(d.major),
      owner: d.owner,
      handler: d.owner,
      department: null,
      transfers: 0,
      received_at: d.receivedAt,
      answer_due: d.answer.due,
      answered_at: null,
      answered_by: null,
      answered_on_time: null,
      first_contact: null,
      escalation_level: 0,
      closed_at: null,
      policy: d.basis.policy,
    };
  },
  changed(row, e) {
    const at = e.metadata.occurredAt;
    switch (e.type) {
      case 'EnquiryTransferred':
        return { handler: e.data.to ?? row.handler ?? null, department: e.data.department, transfers: Number(row.transfers ?? 0) + 1 };
      case 'EnquiryAnswered':
        return { answered_at: at, answered_by: e.data.answeredBy, answered_on_time: flag(e.data.onTime), first_contact: flag(e.data.firstContact) };
      case 'EnquiryClosed':
        return { closed_at: at };
      case 'EnquiryEscalated':
        return { escalation_level: Math.max(Number(row.escalation_level ?? 0), e.data.level) };
      default:
        return undefined;
    }
  },
});

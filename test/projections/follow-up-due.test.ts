import { describe, expect, it } from 'vitest';
import { complaintProcess } from '../../src/processes/complaint';
import { complaintDecider, type ComplaintState } from '../../src/processes/complaint/decider';
import { followUpsLedger } from '../../src/processes/complaint/ledger';
import { complaintEventSchemas } from '../../src/processes/complaint/schemas';
import { given, recorded } from '../support/rows';

/** The follow-up ledger carries the instant each visit was due, as the complaints ledger does. */
const due = '2026-10-14T17:00:00+08:00';
const visit = (data: Record<string, unknown>) => recorded('complaint-K1', 7, 'FollowUpRecorded', { complaintId: 'K1', rating: 4, satisfied: true, ...data }, { occurredAt: '2026-10-13T02:00:00.000Z', actor: 'li.na' });

describe('follow-up due instants', () => {
  it('a visit row shows the due instant its event recorded; one recorded by earlier code leaves it blank', () => {
    const [now, before] = [given([visit({ dueAt: due })]).rows(followUpsLedger)[0]!, given([visit({})]).rows(followUpsLedger)[0]!];
    expect([now.kind, now.due_at]).toEqual(['visit', due]);
    expect([before.kind, before.due_at]).toEqual(['visit', null]);
  });

  it('the event schema accepts both shapes', () => {
    expect(complaintEventSchemas.FollowUpRecorded.safeParse({ complaintId: 'K1', rating: 4, satisfied: true, dueAt: due }).success).toBe(true);
    expect(complaintEventSchemas.FollowUpRecorded.safeParse({ complaintId: 'K1', rating: 4, satisfied: true }).success).toBe(true);
  });

  it('the command records the state’s due instant in the event (event data only: no patch, histories replay as recorded)', () => {
    expect(complaintProcess.patches ?? []).toEqual([]);
    const state = { ...complaintDecider.initialState(), status: 'customer_notified', complaintId: 'K1', followUpDue: due, severity: 'normal', customerClass: 'ordinary' } as unknown as ComplaintState;
    const spec = complaintProcess.commands.followUp!;
    const ctx = (patched: boolean) => ({ id: 'K1', now: '2026-10-13T02:00:00.000Z', by: { actor: 'li.na', role: 'agent' as const }, state, rules: { satisfied: (r: number) => r >= 3 } as never, patched: () => patched });
    // The same on a new command and on a replay of a history from before the field.
    expect(spec.toCommand({ rating: 4 }, ctx(true))).toMatchObject({ type: 'RecordFollowUp', dueAt: due });
    expect(spec.toCommand({ rating: 4 }, ctx(false))).toMatchObject({ type: 'RecordFollowUp', dueAt: due });
    const command = spec.toCommand({ rating: 4 }, ctx(true)) as { type: 'RecordFollowUp'; by: { actor: string; role: 'agent' }; satisfied: boolean; data: { rating: number }; dueAt: string };
    const real = { ...state, owner: 'li.na' } as ComplaintState;
    const events = complaintDecider.decide(command as never, real);
    expect(events[0]).toMatchObject({ type: 'FollowUpRecorded', data: { complaintId: 'K1', rating: 4, satisfied: true, dueAt: due } });
  });
});

import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { complaintDecider, pendingAlarms, type Actor, type Alarm, type ComplaintCommand, type ComplaintState, type OpenComplaint } from '../domain/complaint/decider';
import {
  assignInput,
  followUpInput,
  noteInput,
  notifyInput,
  optionalReasonInput,
  proposeInput,
  reasonInput,
  receiveComplaintInput,
  verifyInput,
  type ComplaintEvent,
} from '../domain/complaint/model';
import { complaintSla, type ComplaintSlaSettings } from '../domain/complaint/sla';
import { notFound, validationError } from '../domain/errors';
import { parseOrThrow } from '../domain/validation';
import { complaintStream } from '../events/streams';
import { COMPLAINT_COMMANDS, complaintQuery, complaintUpdate, type CommandMeta, type ComplaintAction } from './messages';
import { StreamEntity, type EntityCarry } from './support/entity';
import { domainCall } from './support/failures';
import { commandMeta } from './support/meta';



export interface ComplaintWorkflowInput {
  complaintId: string;
  /** Policy and calendar data fixed when the complaint was received, so replay computes the same deadlines. */
  sla: ComplaintSlaSettings;
  /** The customer's class, looked up by the API when the complaint is received. */
  customerClass?: 'key' | 'ordinary';
  carried?: EntityCarry<ComplaintState>;
}

const SYSTEM: CommandMeta = { actor: 'taizhang', role: 'system' };
const nowIso = () => new Date(Date.now()).toISOString();

/**
 * The process that owns `complaint-<id>`: commands arrive as Updates (validated before history records them; the
 * result returns once the events are durable); warnings, escalations and the follow-up reminder fire on durable
 * timers at the instants computed by the business calendar, never before. Notifications are recorded with the
 * events that call for them and sent by the worker's outbox dispatcher, at most once per key.
 */
export async function complaintWorkflow(input: ComplaintWorkflowInput): Promise<void> {
  const entity = new StreamEntity(complaintStream(input.complaintId), complaintDecider, input.carried);
  const sla = complaintSla(input.sla);
  let changes = 0;

  const open = (): OpenComplaint => {
    const s = entity.current;
    if (s.status === 'none') throw notFound('complaint.not_found', `complaint ${input.complaintId} has not been received`);
    return s;
  };

  /** Parses and completes a command: validation, role, and the deadlines only workflow code may compute. */
  const toCommand = (action: ComplaintAction, raw: { data?: unknown; meta?: unknown }): { command: ComplaintCommand; meta: CommandMeta } =>
    domainCall(() => {
      const meta = parseOrThrow(commandMeta, raw.meta);
      const by: Actor = { actor: meta.actor, role: meta.role };
      const now = nowIso();
      const data = raw.data ?? {};
      switch (action) {
        case 'receive': {
          const d = parseOrThrow(receiveComplaintInput, data);
          if (d.complaintId !== input.complaintId) throw validationError([{ field: 'complaintId', rule: `must be ${input.complaintId}, the complaint of this workflow` }]);
          const customerClass = input.customerClass ?? 'ordinary';
          const deadlines = sla.deadlines({ receivedAt: now, severity: d.severity, customerClass });
          return { meta, command: { type: 'ReceiveComplaint', by, now, data: { ...d, owner: d.owner ?? meta.actor, customerClass }, ...deadlines } };
        }
        case 'acknowledge':
          return { meta, command: { type: 'AcknowledgeComplaint', by, now, data: parseOrThrow(noteInput, data) } };
        case 'verify':
          return { meta, command: { type: 'VerifyComplaint', by, data: parseOrThrow(verifyInput, data) } };
        case 'assign':
          return { meta, command: { type: 'AssignComplaint', by, data: parseOrThrow(assignInput, data) } };
        case 'propose':
          return { meta, command: { type: 'ProposeResolution', by, data: parseOrThrow(proposeInput, data) } };
        case 'notify':
          return { meta, command: { type: 'NotifyCustomer', by, now, followUpDue: sla.followUpDue(now), data: parseOrThrow(notifyInput, data) } };
        case 'followUp': {
          const d = parseOrThrow(followUpInput, data);
          const s = entity.current;
          const reopen = d.rating < 3 && s.status !== 'none' ? sla.reopened({ reopenedAt: now, severity: s.severity, customerClass: s.customerClass }) : undefined;
          return { meta, command: { type: 'RecordFollowUp', by, data: d, ...(reopen ? { reopen } : {}) } };
        }
        case 'close':
          return { meta, command: { type: 'CloseComplaint', by, data: parseOrThrow(optionalReasonInput, data) } };
        case 'reopen': {
          const d = parseOrThrow(reasonInput, data);
          const s = open();
          return { meta, command: { type: 'ReopenComplaint', by, data: d, ...sla.reopened({ reopenedAt: now, severity: s.severity, customerClass: s.customerClass }) } };
        }
        case 'pause':
          return { meta, command: { type: 'PauseComplaint', by, now, data: parseOrThrow(reasonInput, data) } };
        case 'resume': {
          parseOrThrow(optionalReasonInput, data);
          const s = open();
          if (!s.paused) return { meta, command: { type: 'ResumeComplaint', by, now, pausedBusinessMinutes: 0, firstResponse: null, resolution: null } };
          const minutes = sla.businessMinutesBetween(s.paused.since, now);
          return {
            meta,
            command: {
              type: 'ResumeComplaint',
              by,
              now,
              pausedBusinessMinutes: minutes,
              firstResponse: s.firstResponse.met ? null : sla.shift(s.firstResponse, minutes),
              resolution: s.resolution.met ? null : sla.shift(s.resolution, minutes),
            },
          };
        }
        case 'withdraw':
          return { meta, command: { type: 'WithdrawComplaint', by, data: parseOrThrow(reasonInput, data) } };
      }
    });

  for (const action of Object.keys(COMPLAINT_COMMANDS) as ComplaintAction[]) {
    setHandler(
      complaintUpdate(action),
      async (req) => {
        // A fresh run (after continue-as-new or a reopening) may receive the command before it has read its stream.
        await condition(() => entity.isReady);
        const { command, meta } = toCommand(action, req);
        const reason = 'data' in command ? (command.data as { reason?: string }).reason : undefined;
        const result = await entity.execute(command, reason ? { ...meta, reason } : meta);
        changes++;
        return result;
      },
      {
        validator: (req) => {
          if (!entity.isReady && action !== 'receive') return; // checked again when it runs
          entity.check(toCommand(action, req).command);
        },
      },
    );
  }
  setHandler(complaintQuery, () => ({ ...entity.view(), pendingAlarms: pendingAlarms(entity.current) }));

  await entity.load();
  for (;;) {
    const state = entity.current;
    if (state.status === 'closed' || state.status === 'withdrawn') break;
    if (workflowInfo().continueAsNewSuggested) break;
    const next: Alarm | undefined = pendingAlarms(state)[0];
    const seen = changes;
    if (!next) {
      await condition(() => changes !== seen || workflowInfo().continueAsNewSuggested);
      continue;
    }
    const wait = Date.parse(next.at) - Date.now();
    if (wait > 0 && (await condition(() => changes !== seen || workflowInfo().continueAsNewSuggested, wait))) continue;
    await entity.execute({ type: 'FireAlarm', now: nowIso(), alarm: next }, { ...SYSTEM, reason: alarmReason(next) });
    changes++;
  }
  await condition(allHandlersFinished);
  const s = entity.current;
  if (s.status !== 'closed' && s.status !== 'withdrawn') {
    await continueAsNew<typeof complaintWorkflow>({ ...input, carried: entity.carry() });
  }
}

function alarmReason(a: Alarm): string {
  if (a.kind === 'warning') return `${a.deadline} deadline ${a.dueAt} approaching`;
  if (a.kind === 'escalation') return `${a.deadline} deadline ${a.dueAt} missed: escalate to ${a.role} (level ${a.level})`;
  return `follow-up visit due ${a.at} not recorded`;
}

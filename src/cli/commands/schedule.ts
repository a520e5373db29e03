import { Option, type Command } from 'commander';
import { utcOffsetLabel, zonedIso } from '../../support/local-time';
import { apiClient, config, withClientOptions, type ClientOptions } from '../context';

interface Next {
  at: string;
  local: string;
}
interface Detail {
  id: string;
  segment: string;
  every: string;
  paused: boolean;
  note: string | null;
  next: Next | null;
  nextActionTimes?: Next[];
  recentActions?: Array<{ scheduledAt: string; takenAt: string; workflowId: string }>;
  rounds?: number;
}

type Opts = ClientOptions & { format: string };
const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
/** `2027-01-04 09:00（周一）`: an instant of the API in the CLI's zone (TAIZHANG_TIME_ZONE); what is no instant, as it is. */
export function localWhen(at: string, timeZone: string): string {
  const local = zonedIso(at, timeZone);
  if (local === at && Number.isNaN(Date.parse(at))) return at;
  return `${local.slice(0, 10)} ${local.slice(11, 16)}（${WEEKDAYS[new Date(`${local.slice(0, 10)}T00:00:00Z`).getUTCDay()]}）`;
}
/** `Asia/Shanghai, UTC+08:00`: the zone the times are in, said once. */
const zoneHeading = (timeZone: string) => `${timeZone}, ${utcOffsetLabel(timeZone)}`;
const out = (s: string): void => void process.stdout.write(s + '\n');
const formatOption = () => new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');

/** `taizhang schedule list|describe|trigger|pause|unpause`: the survey cycles' Temporal Schedules, through the API (admins). */
export function registerScheduleCommands(program: Command): void {
  const group = program.command('schedule').description('the survey cycles’ Temporal Schedules (key customers quarterly, ordinary customers half-yearly); admins only');
  withClientOptions(group.command('list').description('every schedule, paused or not, and its next round').addOption(formatOption())).action(async (opts: Opts) => {
    const r = await apiClient(opts).request<{ schedules: Detail[] }>('GET', '/schedules');
    if (opts.format === 'json') return out(JSON.stringify(r, null, 2));
    const tz = (await config()).TAIZHANG_TIME_ZONE;
    out(`times in ${zoneHeading(tz)}`);
    for (const s of r.schedules) out(`${s.id}\t${s.paused ? '已暂停' : '运行中'}\t下次: ${s.next ? localWhen(s.next.at, tz) : '—'}\t${s.note ?? ''}`);
  });
  withClientOptions(group.command('describe').argument('<id>', 'schedule id, e.g. survey-key').description('the schedule as the Temporal server has it: its next action times, recent actions').addOption(formatOption())).action(
    async (id: string, opts: Opts) => {
      const d = await apiClient(opts).request<Detail>('GET', `/schedules/${encodeURIComponent(id)}`);
      if (opts.format === 'json') return out(JSON.stringify(d, null, 2));
      out(`${d.id}: ${d.segment} rounds every ${d.every}; ${d.paused ? 'PAUSED' : 'running'}${d.note ? ` — ${d.note}` : ''}; ${d.rounds ?? 0} rounds listed`);
      const tz = (await config()).TAIZHANG_TIME_ZONE;
      out(`next action times (from the Temporal server, ${zoneHeading(tz)}):`);
      for (const n of d.nextActionTimes ?? []) out(`  ${localWhen(n.at, tz)}  ${zonedIso(n.at, tz)}`);
      if (d.recentActions?.length) {
        out('recent actions:');
        for (const a of d.recentActions) out(`  ${localWhen(a.scheduledAt, tz)} → ${a.workflowId}`);
      }
    },
  );
  for (const action of ['trigger', 'pause', 'unpause'] as const) {
    const cmd = group
      .command(action)
      .argument('<id>', 'schedule id, e.g. survey-key')
      .description(action === 'trigger' ? 'start the cycle’s round now (a round of the same period is never made twice)' : `${action} the schedule, with a note`);
    if (action !== 'trigger') cmd.option('--reason <text>', 'why (kept as the schedule’s note)');
    withClientOptions(cmd).action(async (id: string, opts: ClientOptions & { reason?: string }) => {
      await apiClient(opts).request('POST', `/schedules/${encodeURIComponent(id)}/${action}`, opts.reason ? { reason: opts.reason } : {});
      out(`${id}: ${action} done`);
    });
  }
}

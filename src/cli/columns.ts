import type { LedgerCli } from './manifest';
import type { TableColumn } from './format';
import { CliError } from './context';

/**
 * The columns a person needs of each ledger, in order: what a table shows unless `--columns` asks for others. A
 * ledger not listed shows every column. `customer_name` is the customer's name, a column the API reads from the
 * customers ledger (a lookup of the ledger: readShapeOf).
 */
export const DEFAULT_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  customers: ['customer_id', 'name', 'status', 'type', 'importance', 'grade', 'customer_class', 'account_manager', 'registered_at'],
  customer_changes: ['change_id', 'customer_name', 'kind', 'status', 'maker', 'summary', 'submitted_at', 'due_at', 'escalation_level'],
  complaints: ['complaint_id', 'customer_name', 'status', 'severity', 'owner', 'received_at', 'first_response_due', 'resolution_due'],
  follow_ups: ['complaint_id', 'kind', 'rating', 'satisfied', 'due_at', 'recorded_at', 'recorded_by', 'comment'],
  enquiries: ['enquiry_id', 'customer_name', 'status', 'channel', 'topic', 'handler', 'received_at', 'answer_due', 'answered_at'],
  changes: ['change_id', 'customer_name', 'kind', 'status', 'step', 'waiting_for', 'step_due', 'escalation_level'],
  change_steps: ['change_id', 'step', 'round', 'verdict', 'actor', 'at', 'reason'],
  surveys: ['survey_id', 'title', 'period', 'status', 'returns', 'return_target', 'satisfaction_rate', 'closes_at'],
  survey_responses: ['survey_id', 'response_no', 'respondent_id', 'channel', 'responded_at', 'comment'],
  corrective_actions: ['corrective_id', 'dimension_label', 'status', 'owner', 'current_step', 'current_due', 'escalation_level'],
  escalations: ['process', 'subject_id', 'kind', 'deadline', 'level', 'target_role', 'due_at', 'fired_at', 'reason'],
  kpi_monthly: ['period', 'complaints_received', 'resolved', 'on_time_rate', 'follow_ups', 'satisfaction_rate', 'closed', 'first_contact_rate'],
  kpi_quarterly: ['period', 'complaints_received', 'resolved', 'on_time_rate', 'follow_ups', 'satisfaction_rate', 'closed', 'first_contact_rate'],
};

/**
 * The columns to show: `all`, a list of names or headers (Chinese or English, comma-separated), or the ledger's
 * default set. An unknown name is refused with the names there are.
 */
export function chooseColumns(ledger: Pick<LedgerCli, 'name' | 'columns'>, spec?: string): TableColumn[] {
  const byName = new Map<string, TableColumn>(ledger.columns.map((c) => [c.name, c]));
  const find = (text: string): TableColumn | undefined => {
    const t = text.trim();
    const lower = t.toLowerCase();
    return byName.get(t) ?? [...byName.values()].find((c) => c.label.zh === t || c.label.en.toLowerCase() === lower);
  };
  if (spec?.trim() === 'all') return [...ledger.columns];
  if (spec !== undefined) {
    const names = spec.split(/[,，]/).map((s) => s.trim()).filter(Boolean);
    if (!names.length) throw new CliError('--columns: is empty; give column names or headers separated by commas, or `all`');
    return names.map((n) => {
      const c = find(n);
      if (!c) throw new CliError(`--columns: ${n} is not a column of ${ledger.name}; its columns are ${[...byName.values()].map((x) => `${x.name} (${x.label.zh})`).join(', ')}, or \`all\``);
      return c;
    });
  }
  const defaults = DEFAULT_COLUMNS[ledger.name];
  if (!defaults) return [...ledger.columns];
  return defaults.map((n) => byName.get(n)).filter((c): c is TableColumn => c !== undefined);
}

/** A column named as a person may type it (name or header) → its name, or undefined. */
export function columnNamed(ledger: Pick<LedgerCli, 'columns'>, text: string): string | undefined {
  const t = text.trim();
  const lower = t.toLowerCase();
  return ledger.columns.find((c) => c.name === t || c.label.zh === t || c.label.en.toLowerCase() === lower)?.name;
}

/**
 * The one label dictionary: how people read every code the system stores — enumerated values of ledger columns,
 * roles, event types and the reasons the engine writes — in Chinese (the default) or English. Column headers live
 * beside it in ./columns.json; the labels of domain enumerations stay in ../enums and are referenced here.
 *
 * Pure data and functions with no Node APIs (Intl only, for instants rendered in a zone): cheap to import from the
 * CLI, the exports and the API alike.
 */
import {
  CATEGORY_LABELS,
  CHANGE_KIND_LABELS,
  CHANGE_STATUS_LABELS,
  CHANNEL_LABELS,
  CORRECTIVE_STATUS_LABELS,
  CUSTOMER_CLASS_LABELS,
  CUSTOMER_TYPE_LABELS,
  GRADE_LABELS,
  IMPORTANCE_LABELS,
  OPINION_LABELS,
  RATING_LABELS,
  RESPONDENT_KIND_LABELS,
  SEVERITY_LABELS,
  SURVEY_SEGMENT_LABELS,
  SURVEY_STATUS_LABELS,
} from '../enums';
import type { CellValue, LedgerRow, LedgerShape } from '../ledger';
import { ROLE_LABELS_ZH } from '../roles';
import { zonedIso } from '../../support/local-time';
import COLUMN_LABELS from './columns.json';

export type Lang = 'zh' | 'en';
export type Pair = { zh: string; en: string };
export type ValueLabels = Readonly<Record<string, Pair>>;

const COLUMNS = COLUMN_LABELS as unknown as Record<string, [zh: string, en: string, kind?: string]>;

// ── yes / no ─────────────────────────────────────────────────────────────────────────────────

export const YES_NO: { yes: Pair; no: Pair } = { yes: { zh: '是', en: 'yes' }, no: { zh: '否', en: 'no' } };

/** 是 / 否 (yes / no) of a flag: 1, true, '1', 'true' are yes; 0, false, '0', 'false' no; empty stays empty; anything else as it is. */
export const yesNo = (v: unknown, lang: Lang = 'zh'): string => {
  if (v === null || v === undefined || v === '') return '';
  if (v === 1 || v === true || v === '1' || v === 'true') return YES_NO.yes[lang];
  if (v === 0 || v === false || v === '0' || v === 'false') return YES_NO.no[lang];
  return String(v);
};

// ── roles ────────────────────────────────────────────────────────────────────────────────────

/** English names of the roles of src/domain/roles.ts (their Chinese names are ROLE_LABELS_ZH there). */
const ROLE_LABELS_EN: Record<keyof typeof ROLE_LABELS_ZH, string> = {
  agent: 'service agent',
  supervisor: 'service supervisor',
  manager: 'department manager',
  general_manager: 'general manager',
  auditor: 'auditor',
  admin: 'system administrator',
  sales_vp: 'sales VP',
  committee: 'decision committee',
  finance: 'finance department',
  marketing: 'marketing department',
  expert: 'expert panel',
  checker: 'data checker',
  performance: 'performance management group',
  salesperson: 'salesperson',
};

/** Every role and the actors that act without one: the engine itself and survey respondents. */
export const ROLE_LABELS: ValueLabels = {
  ...Object.fromEntries(Object.entries(ROLE_LABELS_ZH).map(([role, zh]) => [role, { zh, en: ROLE_LABELS_EN[role as keyof typeof ROLE_LABELS_EN] }])),
  system: { zh: '系统', en: 'system' },
  respondent: { zh: '调查对象', en: 'respondent' },
};

/** `supervisor` → 客服主管 (service supervisor); an unknown role as it is. */
export function roleLabel(role: string, lang: Lang = 'zh'): string {
  return ROLE_LABELS[role]?.[lang] ?? role;
}

// ── values of ledger columns ─────────────────────────────────────────────────────────────────

/** The kinds of deadline of every process (complaint, enquiry, change request, master-data change, corrective action). */
export const DEADLINE_LABELS: ValueLabels = {
  first_response: { zh: '首次响应', en: 'first response' },
  resolution: { zh: '处理', en: 'resolution' },
  answer: { zh: '答复', en: 'answer' },
  review: { zh: '会审', en: 'review' },
  approval: { zh: '审批', en: 'approval' },
  second_review: { zh: '二次审核', en: 'second review' },
  signoff: { zh: '书面签证', en: 'sign-off' },
  verify: { zh: '验证', en: 'verification' },
  assign: { zh: '指定责任人', en: 'naming an owner' },
  plan: { zh: '制定措施', en: 'planning' },
  execute: { zh: '实施整改', en: 'carrying out' },
};

/** The processes, as the escalations ledger names them (their titles in src/processes/<name>/index.ts). */
export const PROCESS_LABELS: ValueLabels = {
  customer: { zh: '客户', en: 'Customer' },
  complaint: { zh: '投诉', en: 'Complaint' },
  enquiry: { zh: '咨询', en: 'Enquiry' },
  change: { zh: '变更申请', en: 'Change request' },
  survey: { zh: '满意度调查', en: 'Satisfaction survey' },
  corrective: { zh: '纠正措施', en: 'Corrective action' },
};

export const COMPLAINT_STATUS_LABELS: ValueLabels = {
  received: { zh: '已受理', en: 'received' },
  acknowledged: { zh: '已首次响应', en: 'acknowledged' },
  verified: { zh: '已核实', en: 'verified' },
  resolution_proposed: { zh: '已提出处理方案', en: 'resolution proposed' },
  customer_notified: { zh: '已通知客户', en: 'customer notified' },
  followed_up: { zh: '已回访', en: 'followed up' },
  closed: { zh: '已结案', en: 'closed' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
};

export const ENQUIRY_STATUS_LABELS: ValueLabels = {
  received: { zh: '已受理', en: 'received' },
  transferred: { zh: '已转交', en: 'transferred' },
  answered: { zh: '已答复', en: 'answered' },
  closed: { zh: '已结束', en: 'closed' },
};

export const CUSTOMER_STATUS_LABELS: ValueLabels = {
  pending: { zh: '待审核', en: 'awaiting approval' },
  registered: { zh: '已登记', en: 'registered' },
  rejected: { zh: '登记被驳回', en: 'registration rejected' },
  withdrawn: { zh: '登记已撤回', en: 'registration withdrawn' },
  erased: { zh: '个人信息已删除', en: 'personal data erased' },
};

export const CUSTOMER_CHANGE_STATUS_LABELS: ValueLabels = {
  pending: { zh: '待审批', en: 'awaiting approval' },
  second_review: { zh: '二次审核中', en: 'in second review' },
  approved: { zh: '已批准', en: 'approved' },
  rejected: { zh: '已驳回', en: 'rejected' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
};

export const CUSTOMER_CHANGE_KIND_LABELS: ValueLabels = {
  registration: { zh: '客户登记', en: 'registration' },
  contact: { zh: '联系方式变更', en: 'contact details' },
  profile: { zh: '基本资料变更', en: 'profile' },
  flag: { zh: '标记变更', en: 'flag' },
  grade: { zh: '等级调整', en: 'grade' },
  key_account: { zh: '重点客户认定', en: 'key-account designation' },
  erasure: { zh: '删除个人信息', en: 'erasure of personal data' },
};

export const PARTY_LABELS: ValueLabels = {
  person: { zh: '个人', en: 'person' },
  organisation: { zh: '单位', en: 'organisation' },
};

/** The review panels of the default approval policy (policies/default.json); a policy's other panels show as named. */
export const PANEL_LABELS: ValueLabels = {
  service: { zh: '客服部', en: 'service' },
  finance: { zh: '财务部', en: 'finance' },
  marketing: { zh: '市场部', en: 'marketing' },
  expert: { zh: '专家组', en: 'expert panel' },
};

/** The approval tiers of the default approval policy; a policy's other tiers show as named. */
export const TIER_LABELS: ValueLabels = {
  department: { zh: '部门经理', en: 'department manager' },
  vp: { zh: '销售主管VP', en: 'sales VP' },
  committee: { zh: '决策委员会', en: 'decision committee' },
};

/** Where a change request stands in the `changes` ledger (besides `review n/m` and `approval: <tier> n/m`). */
const CHANGE_STEP_LABELS: ValueLabels = {
  signoff: { zh: '待书面签证', en: 'awaiting sign-off' },
  second_review: { zh: '二次审核中', en: 'in second review' },
  'rejected (second review possible)': { zh: '已驳回（可申请二次审核）', en: 'rejected (second review possible)' },
  rejected: { zh: '已驳回', en: 'rejected' },
  implementation: { zh: '实施中', en: 'implementation' },
  verify: { zh: '待验证', en: 'awaiting verification' },
  close: { zh: '待关闭', en: 'awaiting closing' },
  shelved: { zh: '已搁置', en: 'shelved' },
  closed: { zh: '已关闭', en: 'closed' },
  cancelled: { zh: '已取消', en: 'cancelled' },
};

/** What each row of the `change_steps` ledger records (besides `review:<panel>`). */
const CHANGE_STEPS_STEP_LABELS: ValueLabels = {
  submit: { zh: '提交申请', en: 'submitted' },
  approval: { zh: '审批', en: 'approval' },
  second_review: { zh: '二次审核', en: 'second review' },
  second_review_requested: { zh: '申请二次审核', en: 'second review requested' },
  signoff: { zh: '书面签证', en: 'signed off' },
  implementation_started: { zh: '开始实施', en: 'implementation started' },
  implementation_progress: { zh: '实施进展', en: 'implementation progress' },
  implementation_resumed: { zh: '恢复实施', en: 'implementation resumed' },
  implemented: { zh: '实施完成', en: 'implemented' },
  verify: { zh: '验证', en: 'verification' },
  close: { zh: '关闭', en: 'closed' },
  cancel: { zh: '取消', en: 'cancelled' },
  amend: { zh: '修改申请', en: 'amended' },
  inactivity_remind: { zh: '实施停滞提醒', en: 'inactivity reminder' },
  inactivity_escalate: { zh: '实施停滞升级', en: 'inactivity escalation' },
  shelved: { zh: '搁置', en: 'shelved' },
};

const VERDICT_LABELS: ValueLabels = {
  ...OPINION_LABELS,
  approve: { zh: '批准', en: 'approve' },
  reject: { zh: '驳回', en: 'reject' },
  passed: { zh: '验证通过', en: 'passed' },
  failed: { zh: '验证未通过', en: 'failed' },
};

const CORRECTIVE_STEP_LABELS: ValueLabels = {
  assign: { zh: '指定责任人', en: 'name an owner' },
  plan: { zh: '制定措施', en: 'plan' },
  execute: { zh: '实施整改', en: 'carry out' },
  verify: { zh: '验证', en: 'verify' },
};

/** Follow-up ratings keep their number beside the word: `4 满意`. */
const RATING_SCALE: ValueLabels = Object.fromEntries(Object.entries(RATING_LABELS).map(([n, l]) => [n, { zh: `${n} ${l.zh}`, en: `${n} ${l.en}` }]));

/**
 * The labels of each column that holds codes, by column name or, where a name means something else in one ledger,
 * `ledger.column` (which wins). Filters refuse values outside these, except in the OPEN columns below.
 */
export const VALUE_LABELS: Readonly<Record<string, ValueLabels>> = {
  severity: SEVERITY_LABELS,
  category: CATEGORY_LABELS,
  channel: CHANNEL_LABELS,
  type: CUSTOMER_TYPE_LABELS,
  party: PARTY_LABELS,
  customer_party: PARTY_LABELS,
  importance: IMPORTANCE_LABELS,
  grade: GRADE_LABELS,
  customer_class: CUSTOMER_CLASS_LABELS,
  rating: RATING_SCALE,
  deadline: DEADLINE_LABELS,
  process: PROCESS_LABELS,
  target_role: { ...ROLE_LABELS, owner: { zh: '负责人', en: 'owner' } },
  role: ROLE_LABELS,
  segment: SURVEY_SEGMENT_LABELS,
  respondent_kind: RESPONDENT_KIND_LABELS,
  form: { customer: { zh: '客户问卷', en: 'customer questionnaire' }, competitor: { zh: '竞争对手对比问卷', en: 'competitor form' } },
  tier: TIER_LABELS,
  verdict: VERDICT_LABELS,
  current_step: CORRECTIVE_STEP_LABELS,
  'complaints.status': COMPLAINT_STATUS_LABELS,
  'enquiries.status': ENQUIRY_STATUS_LABELS,
  'changes.status': CHANGE_STATUS_LABELS,
  'customers.status': CUSTOMER_STATUS_LABELS,
  'customer_changes.status': CUSTOMER_CHANGE_STATUS_LABELS,
  'surveys.status': SURVEY_STATUS_LABELS,
  'corrective_actions.status': CORRECTIVE_STATUS_LABELS,
  'changes.kind': CHANGE_KIND_LABELS,
  'customer_changes.kind': CUSTOMER_CHANGE_KIND_LABELS,
  'follow_ups.kind': { visit: { zh: '回访', en: 'follow-up visit' }, overdue: { zh: '回访逾期', en: 'follow-up overdue' } },
  'resolutions.kind': { resolution: { zh: '处理完成', en: 'resolution' }, closure: { zh: '结案', en: 'closure' } },
  'escalations.kind': { warning: { zh: '即将超时提醒', en: 'warning' }, escalation: { zh: '超时升级', en: 'escalation' } },
  'survey_responses.channel': { web: { zh: '网上填写', en: 'web' }, paper: { zh: '纸质问卷', en: 'paper' }, import: { zh: '文件导入', en: 'file import' } },
  'changes.step': CHANGE_STEP_LABELS,
  'change_steps.step': CHANGE_STEPS_STEP_LABELS,
  'changes.second_review': { requested: { zh: '已申请', en: 'requested' }, approved: { zh: '二次审核通过', en: 'approved' }, rejected: { zh: '二次审核驳回', en: 'rejected' } },
};

/** Columns whose values come from policy or combine codes (tiers, steps with counts): other values pass filters as typed. */
const OPEN_COLUMNS = new Set(['tier', 'changes.step', 'change_steps.step']);

const INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/;

/** Columns whose values are combinations of codes: rendered by pattern (unmatched values shown as they are). */
const RENDERERS: Record<string, (text: string, lang: Lang) => string | undefined> = {
  // `review 2/4`, `approval: vp 0/2`
  'changes.step': (t, lang) => {
    let m = /^review (\d+\/\d+)$/.exec(t);
    if (m) return lang === 'zh' ? `会审 ${m[1]}` : t;
    m = /^approval: (\S+) (\d+\/\d+)$/.exec(t);
    if (m) return lang === 'zh' ? `审批（${labelIn(TIER_LABELS, m[1]!, lang)}）${m[2]}` : `approval: ${labelIn(TIER_LABELS, m[1]!, lang)} ${m[2]}`;
    return undefined;
  },
  // `review:finance`
  'change_steps.step': (t, lang) => {
    const m = /^review:(\S+)$/.exec(t);
    return m ? (lang === 'zh' ? `会审：${labelIn(PANEL_LABELS, m[1]!, lang)}` : `review: ${labelIn(PANEL_LABELS, m[1]!, lang)}`) : undefined;
  },
  // `service:agree,finance:conditional`
  'changes.reviews': (t, lang) => {
    const parts = t.split(',').map((p) => /^([^:]+):(\S+)$/.exec(p));
    if (!parts.every(Boolean)) return undefined;
    return parts.map((m) => `${labelIn(PANEL_LABELS, m![1]!, lang)}${lang === 'zh' ? '：' : ': '}${labelIn(OPINION_LABELS, m![2]!, lang)}`).join(lang === 'zh' ? '、' : ', ');
  },
  // roles joined with ',' (the second review's); panel labels joined with '、' and actors stay as they are
  'changes.waiting_for': (t, lang) => {
    const parts = t.split(',');
    return parts.every((p) => Object.hasOwn(ROLE_LABELS, p)) ? parts.map((p) => roleLabel(p, lang)).join(lang === 'zh' ? '、' : ', ') : undefined;
  },
  // `checker, manager ×2`
  'customer_changes.checkers': (t, lang) => {
    const m = /^(.*?)( ×\d+)?$/.exec(t)!;
    const roles = m[1]!.split(', ');
    return roles.every((r) => Object.hasOwn(ROLE_LABELS, r)) ? `${roles.map((r) => roleLabel(r, lang)).join(lang === 'zh' ? '、' : ', ')}${m[2] ?? ''}` : undefined;
  },
  // `grade C→B`, `contact (phone, email)` (changeSummary)
  'customer_changes.summary': (t, lang) => (lang === 'zh' ? changeSummaryZh(t) : undefined),
  // `C1-3 grade C→B; C1-4 contact (second review)`
  'customers.pending_summary': (t, lang) =>
    lang === 'zh'
      ? t
          .split('; ')
          .map((entry) => {
            const m = /^(\S+) (.+?)( \(second review\))?$/.exec(entry);
            return m ? `${m[1]} ${changeSummaryZh(m[2]!)}${m[3] ? '（二次审核）' : ''}` : entry;
          })
          .join('；')
      : undefined,
  calendar_source: (t, lang) => (lang === 'zh' ? calendarSourceZh(t) : undefined),
};

function calendarSourceZh(t: string): string | undefined {
  const [base, extra] = t.split(' + extra holidays ');
  let zh: string | undefined;
  if (base === 'weekdays only (no public holidays)') zh = '仅按周末休息（无法定节假日数据）';
  else if (base!.startsWith('24x7')) zh = '全天候（每分钟均为工作时间，无节假日）';
  else {
    const m = /^(\S+) \(data (\d{4})–(\d{4})\)$/.exec(base!);
    if (m) zh = `${m[1]}（节假日数据 ${m[2]}–${m[3]} 年）`;
  }
  if (zh === undefined) return undefined;
  return extra ? `${zh} + 补充节假日 ${extra}` : zh;
}

const labelIn = (labels: ValueLabels, code: string, lang: Lang): string => labels[code]?.[lang] ?? code;

/** The key of a column in the dictionaries: `ledger.column` when the column is scoped that way, else the name. */
function split(column: string, ledger?: string): { ledger?: string; name: string } {
  const dot = column.indexOf('.');
  return dot > 0 ? { ledger: column.slice(0, dot), name: column.slice(dot + 1) } : { ledger, name: column };
}

function lookup<T>(table: Readonly<Record<string, T>>, column: string, ledger?: string): T | undefined {
  const c = split(column, ledger);
  return (c.ledger ? table[`${c.ledger}.${c.name}`] : undefined) ?? table[c.name];
}

/** The value labels of a column of a ledger, or undefined when it holds no codes. */
export function valueLabelsOf(column: string, ledger?: string): ValueLabels | undefined {
  const found = lookup(VALUE_LABELS, column, ledger);
  if (found) return found;
  // An unscoped name that only has scoped dictionaries (`status` without its ledger): all of them, first one first.
  const c = split(column, ledger);
  if (c.ledger) return undefined;
  const scoped = Object.entries(VALUE_LABELS).filter(([k]) => k.endsWith(`.${c.name}`));
  if (!scoped.length) return undefined;
  const merged: Record<string, Pair> = {};
  for (const [, labels] of scoped.reverse()) Object.assign(merged, labels);
  return merged;
}

/** Whether a column holds 0/1 flags (columns.json marks them). */
export function isFlagColumn(column: string, ledger?: string): boolean {
  return lookup(COLUMNS, column, ledger)?.[2] === 'flag';
}

/** A stored value of a column (ledger column name like `status`, or scoped `ledger.column`) as people read it; flags 1/0/true/false → 是/否 (yes/no); unknown values → String(value). */
export function valueLabel(column: string, value: unknown, lang: Lang = 'zh', ledger?: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean' || isFlagColumn(column, ledger)) return yesNo(value, lang);
  const text = String(value);
  const label = valueLabelsOf(column, ledger)?.[text]?.[lang];
  if (label !== undefined) return label;
  const render = lookup(RENDERERS, column, ledger);
  return render?.(text, lang) ?? text;
}

const YES_TEXTS = ['1', 'true', 'yes', 'y', '是'];
const NO_TEXTS = ['0', 'false', 'no', 'n', '否'];

/** The stored value for what a person typed (a label or the code itself), or undefined. */
export function valueOfLabel(column: string, text: string, ledger?: string): string | undefined {
  const t = text.trim();
  if (isFlagColumn(column, ledger)) {
    const lower = t.toLowerCase();
    return YES_TEXTS.includes(lower) ? '1' : NO_TEXTS.includes(lower) ? '0' : undefined;
  }
  const labels = valueLabelsOf(column, ledger);
  if (!labels) return undefined;
  if (Object.hasOwn(labels, t)) return t;
  const lower = t.toLowerCase();
  for (const [code, l] of Object.entries(labels)) if (l.zh === t || l.en.toLowerCase() === lower) return code;
  // A rating's word alone (满意 for `4 满意`).
  for (const [code, l] of Object.entries(labels)) if (l.zh === `${code} ${t}` || l.en.toLowerCase() === `${code} ${lower}`) return code;
  return undefined;
}

/** Whether a filter on the column must name one of its codes or labels (false for free text and open columns). */
export function isClosedColumn(column: string, ledger?: string): boolean {
  const c = split(column, ledger);
  if (OPEN_COLUMNS.has(c.name) || (c.ledger && OPEN_COLUMNS.has(`${c.ledger}.${c.name}`))) return false;
  return isFlagColumn(column, ledger) || lookup(VALUE_LABELS, column, ledger) !== undefined;
}

/** What a filter on the column accepts, for error messages: `closed (已结案), withdrawn (已撤回)` or `1 (是), 0 (否)`. */
export function acceptedValues(column: string, ledger?: string, lang: Lang = 'zh'): string[] {
  if (isFlagColumn(column, ledger)) return [`1 (${YES_NO.yes[lang]})`, `0 (${YES_NO.no[lang]})`];
  return Object.entries(valueLabelsOf(column, ledger) ?? {}).map(([code, l]) => `${code} (${l[lang]})`);
}

// ── event types ──────────────────────────────────────────────────────────────────────────────

/** Every event type of the catalogue (src/events/catalogue.ts: each process's events and the kernel's). */
export const EVENT_LABELS: ValueLabels = {
  NotificationIssued: { zh: '发出通知', en: 'notification issued' },
  // customers
  CustomerRegistered: { zh: '客户登记', en: 'customer registered' },
  CustomerContactUpdated: { zh: '更新联系方式', en: 'contact details updated' },
  CustomerChangeSubmitted: { zh: '提交资料变更', en: 'master-data change submitted' },
  CustomerChangeDecided: { zh: '资料变更审批', en: 'master-data change decided' },
  CustomerChangeWithdrawn: { zh: '撤回资料变更', en: 'master-data change withdrawn' },
  CustomerSecondReviewRequested: { zh: '申请二次审核', en: 'second review requested' },
  CustomerProfileChanged: { zh: '变更基本资料', en: 'profile changed' },
  CustomerFlagChanged: { zh: '变更标记', en: 'flag changed' },
  CustomerGradeChanged: { zh: '调整客户等级', en: 'grade changed' },
  CustomerImportanceChanged: { zh: '调整重要性', en: 'importance changed' },
  CustomerErased: { zh: '删除个人信息', en: 'personal data erased' },
  CustomerApprovalWarningIssued: { zh: '审批即将超时提醒', en: 'approval deadline warning' },
  CustomerApprovalEscalated: { zh: '审批超时升级', en: 'approval escalated' },
  CustomerDeadlinesReplanned: { zh: '按新节假日数据重算期限', en: 'deadlines re-planned on new holiday data' },
  // complaints
  ComplaintReceived: { zh: '受理投诉', en: 'complaint received' },
  ComplaintAcknowledged: { zh: '首次响应', en: 'first response given' },
  ComplaintVerified: { zh: '核实投诉', en: 'complaint verified' },
  ComplaintAssigned: { zh: '转派负责人', en: 'owner assigned' },
  ResolutionProposed: { zh: '提出处理方案', en: 'resolution proposed' },
  CustomerNotified: { zh: '通知客户处理结果', en: 'customer notified' },
  FollowUpRecorded: { zh: '记录回访', en: 'follow-up recorded' },
  FollowUpOverdue: { zh: '回访逾期', en: 'follow-up overdue' },
  ComplaintClosed: { zh: '结案', en: 'complaint closed' },
  ComplaintReopened: { zh: '重新打开投诉', en: 'complaint reopened' },
  ComplaintPaused: { zh: '暂停计时', en: 'clock paused' },
  ComplaintResumed: { zh: '恢复计时', en: 'clock resumed' },
  ComplaintWithdrawn: { zh: '撤回投诉', en: 'complaint withdrawn' },
  DeadlineWarningIssued: { zh: '期限即将届满提醒', en: 'deadline warning' },
  ComplaintEscalated: { zh: '投诉超时升级', en: 'complaint escalated' },
  CalendarVersionRecorded: { zh: '导入节假日安排', en: 'holiday calendar imported' },
  ComplaintDeadlinesReplanned: { zh: '按新节假日数据重算期限', en: 'deadlines re-planned on new holiday data' },
  // enquiries
  EnquiryReceived: { zh: '受理咨询', en: 'enquiry received' },
  EnquiryTransferred: { zh: '转交咨询', en: 'enquiry transferred' },
  EnquiryAnswered: { zh: '答复咨询', en: 'enquiry answered' },
  EnquiryClosed: { zh: '咨询结束', en: 'enquiry closed' },
  EnquiryWarningIssued: { zh: '答复期限提醒', en: 'answer deadline warning' },
  EnquiryEscalated: { zh: '咨询超时升级', en: 'enquiry escalated' },
  EnquiryDeadlinesReplanned: { zh: '按新节假日数据重算期限', en: 'deadlines re-planned on new holiday data' },
  // change requests
  ChangeRequested: { zh: '提交变更申请', en: 'change requested' },
  ChangeReviewed: { zh: '会审意见', en: 'review opinion given' },
  ChangeSentForApproval: { zh: '提交审批', en: 'sent for approval' },
  ChangeDecisionRecorded: { zh: '记录审批意见', en: 'approval decision recorded' },
  ChangeApproved: { zh: '变更批准', en: 'change approved' },
  ChangeRejected: { zh: '变更驳回', en: 'change rejected' },
  ChangeSecondReviewRequested: { zh: '申请二次审核', en: 'second review requested' },
  ChangeSignedOff: { zh: '书面签证', en: 'signed off' },
  ChangeImplementationStarted: { zh: '开始实施', en: 'implementation started' },
  ChangeImplementationUpdated: { zh: '实施进展', en: 'implementation updated' },
  ChangeImplemented: { zh: '实施完成', en: 'implemented' },
  ChangeVerified: { zh: '验证变更', en: 'change verified' },
  ChangeClosed: { zh: '关闭变更', en: 'change closed' },
  ChangeCancelled: { zh: '取消变更', en: 'change cancelled' },
  ChangeAmended: { zh: '修改变更申请', en: 'change amended' },
  ChangeWarningIssued: { zh: '环节期限提醒', en: 'step deadline warning' },
  ChangeEscalated: { zh: '变更超时升级', en: 'change escalated' },
  ChangeInactivityReminded: { zh: '实施停滞提醒', en: 'inactivity reminder' },
  ChangeShelved: { zh: '变更搁置', en: 'change shelved' },
  ChangeDeadlinesReplanned: { zh: '按新节假日数据重算期限', en: 'deadlines re-planned on new holiday data' },
  // satisfaction surveys
  SurveyOpened: { zh: '开始调查', en: 'survey opened' },
  SurveyInvitationsSent: { zh: '发送调查邀请', en: 'invitations sent' },
  SurveyRemindersSent: { zh: '发送催答提醒', en: 'reminders sent' },
  SurveyResponseRecorded: { zh: '记录问卷', en: 'response recorded' },
  SurveyBenchmarkRecorded: { zh: '记录竞争对手对比问卷', en: 'competitor form recorded' },
  SurveyImportRecorded: { zh: '导入问卷', en: 'responses imported' },
  SurveyClosed: { zh: '调查结束', en: 'survey closed' },
  // corrective actions
  CorrectiveActionOpened: { zh: '立项纠正措施', en: 'corrective action opened' },
  CorrectiveOwnerAssigned: { zh: '指定责任人', en: 'owner named' },
  CorrectivePlanRecorded: { zh: '制定纠正措施', en: 'plan recorded' },
  CorrectiveActionCompleted: { zh: '措施实施完成', en: 'action carried out' },
  CorrectiveActionVerified: { zh: '验证纠正措施', en: 'action verified' },
  CorrectiveWarningIssued: { zh: '环节期限提醒', en: 'step deadline warning' },
  CorrectiveEscalated: { zh: '纠正措施超时升级', en: 'corrective action escalated' },
  CorrectiveDeadlinesReplanned: { zh: '按新节假日数据重算期限', en: 'deadlines re-planned on new holiday data' },
};

/** `ComplaintReceived` → 受理投诉 (complaint received); an unknown type as it is. */
export function eventLabel(type: string, lang: Lang = 'zh'): string {
  return EVENT_LABELS[type]?.[lang] ?? type;
}

// ── reasons the engine writes ────────────────────────────────────────────────────────────────

const INST = INSTANT.source;
const deadlineWords = (words: string): string => words.trim().replace(/ /g, '_');
const deadlineZh = (words: string): string => `${labelIn(DEADLINE_LABELS, deadlineWords(words), 'zh')}期限`;
const deadlineEn = (words: string): string => labelIn(DEADLINE_LABELS, deadlineWords(words), 'en');

const CHANGE_INACTIVITY: Record<string, Pair> = {
  'remind its owner and their manager': { zh: '提醒实施负责人及其经理', en: 'remind its owner and their manager' },
  escalate: { zh: '升级', en: 'escalate' },
  'shelve it (搁置)': { zh: '搁置', en: 'shelve it' },
};

const SURVEY_REASONS: Record<string, string> = {
  'survey opened: invitations go out': '调查开始：发送邀请',
  'reminder to those who have not answered': '提醒尚未答卷的调查对象',
  'the response window ended': '答卷期限已结束',
};

/** `grade C→B`, `contact (phone, email)`, `blacklist on` …: a master-data change as changeSummary writes it. */
function changeSummaryZh(t: string): string {
  let m = /^(contact|profile) \((.*)\)$/.exec(t);
  if (m) return `${labelIn(CUSTOMER_CHANGE_KIND_LABELS, m[1]!, 'zh')}（${m[2]}）`;
  m = /^grade (\S+)→(\S+)$/.exec(t);
  if (m) return `客户等级 ${m[1]}→${m[2]}`;
  m = /^importance (\S+)→(\S+)$/.exec(t);
  if (m) return `重要性 ${labelIn(IMPORTANCE_LABELS, m[1]!, 'zh')}→${labelIn(IMPORTANCE_LABELS, m[2]!, 'zh')}`;
  m = /^(blacklist|repeated_claims) (on|off)$/.exec(t);
  if (m) return `${m[1] === 'blacklist' ? '黑名单' : '多次索赔预警'}${m[2] === 'on' ? '设置' : '解除'}`;
  const fixed: Record<string, string> = { registration: '客户登记', flag: '标记变更', grade: '等级调整', 'key account': '重点客户认定', 'erasure of personal data': '删除个人信息' };
  return fixed[t] ?? CUSTOMER_CHANGE_KIND_LABELS[t]?.zh ?? t;
}

type ReasonRule = { pattern: RegExp; zh: (m: RegExpExecArray, at: (t: string) => string) => string; en?: (m: RegExpExecArray, at: (t: string) => string) => string };

/** The reasons the engine writes, each as its pattern and its rendering (instants kept, shown in a zone when given one). */
const REASON_RULES: ReasonRule[] = [
  // deadlineAlarmReason: `first_response deadline 2026-… approaching`
  {
    pattern: new RegExp(`^([a-z_ ]+?) deadline (${INST}) approaching$`),
    zh: (m, at) => `${deadlineZh(m[1]!)} ${at(m[2]!)} 即将届满`,
    en: (m, at) => `${deadlineEn(m[1]!)} deadline ${at(m[2]!)} approaching`,
  },
  // deadlineAlarmReason: `first_response deadline 2026-… missed: escalate to supervisor (level 1)`
  {
    pattern: new RegExp(`^([a-z_ ]+?) deadline (${INST}) missed: escalate to (\\S+) \\(level (\\d+)\\)$`),
    zh: (m, at) => `${deadlineZh(m[1]!)} ${at(m[2]!)} 已超时：升级至${roleLabel(m[3]!)}（第${m[4]}级）`,
    en: (m, at) => `${deadlineEn(m[1]!)} deadline ${at(m[2]!)} missed: escalate to ${roleLabel(m[3]!, 'en')} (level ${m[4]})`,
  },
  // the escalation events' own reason: `first response deadline 2026-… missed; escalation level 1`
  {
    pattern: new RegExp(`^([a-z_ ]+?) deadline (${INST}) missed; escalation level (\\d+)$`),
    zh: (m, at) => `${deadlineZh(m[1]!)} ${at(m[2]!)} 已超时，升级第${m[3]}级`,
    en: (m, at) => `${deadlineEn(m[1]!)} deadline ${at(m[2]!)} missed; escalation level ${m[3]}`,
  },
  // master-data changes: `approval of the grade C→B change C1-3 of customer C1 due 2026-… missed; escalation level 1`
  {
    pattern: new RegExp(`^(approval|second review) of the (.+) change (\\S+) of customer (\\S+) due (${INST}) missed; escalation level (\\d+)$`),
    zh: (m, at) => `客户 ${m[4]} 的资料变更 ${m[3]}（${changeSummaryZh(m[2]!)}）${deadlineZh(m[1]!)} ${at(m[5]!)} 已超时，升级第${m[6]}级`,
  },
  // `follow-up visit due 2026-… not recorded`
  { pattern: new RegExp(`^follow-up visit due (${INST}) not recorded$`), zh: (m, at) => `回访期限 ${at(m[1]!)} 已过，未记录回访`, en: (m, at) => `follow-up visit due ${at(m[1]!)} not recorded` },
  // change requests: `implementation not updated since 2026-…: escalate`
  {
    pattern: new RegExp(`^implementation not updated since (${INST}): (.+)$`),
    zh: (m, at) => `自 ${at(m[1]!)} 起未更新实施进展：${CHANGE_INACTIVITY[m[2]!]?.zh ?? m[2]}`,
    en: (m, at) => `implementation not updated since ${at(m[1]!)}: ${CHANGE_INACTIVITY[m[2]!]?.en ?? m[2]}`,
  },
  // the business calendar's warning (src/domain/calendar/calendar.ts): `no holiday data for 2027; weekends only`
  { pattern: /^no holiday data for (\d{4}); weekends only$/, zh: (m) => `${m[1]} 年无法定节假日数据，仅按周末休息计算` },
  // `negative follow-up rating 2`
  { pattern: /^negative follow-up rating (\d)$/, zh: (m) => `回访评分 ${m[1]}（${labelIn(RATING_LABELS, m[1]!, 'zh')}），不满意` },
  // `scheduled key survey round`
  {
    pattern: /^scheduled (\S+) survey round$/,
    zh: (m) => `按计划开展${labelIn(SURVEY_SEGMENT_LABELS, m[1]!, 'zh')}`,
    en: (m) => `scheduled survey round: ${labelIn(SURVEY_SEGMENT_LABELS, m[1]!, 'en')}`,
  },
  ...Object.entries(SURVEY_REASONS).map(([en, zh]): ReasonRule => ({ pattern: new RegExp(`^${en.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), zh: () => zh })),
];

/**
 * A reason the engine wrote (alarm and escalation reasons, the reopening after a poor rating, scheduled rounds) in the
 * language asked for, its instants shown in `timeZone` when given one; `change <id>: …` prefixes kept. Text a person
 * wrote comes back as it is.
 */
export function reasonLabel(reason: string, lang: Lang = 'zh', timeZone?: string): string {
  const at = (t: string) => (timeZone ? zonedIso(t, timeZone) : t);
  const prefixed = /^change (\S+): (.+)$/.exec(reason);
  if (prefixed) {
    const inner = reasonLabel(prefixed[2]!, lang, timeZone);
    return lang === 'zh' ? `资料变更 ${prefixed[1]}：${inner}` : `change ${prefixed[1]}: ${inner}`;
  }
  for (const rule of REASON_RULES) {
    const m = rule.pattern.exec(reason);
    if (!m) continue;
    if (lang === 'zh') return rule.zh(m, at);
    return rule.en ? rule.en(m, at) : timeZone ? reason.replace(new RegExp(INST, 'g'), at) : reason;
  }
  return reason;
}

// ── whole rows ───────────────────────────────────────────────────────────────────────────────

/** Columns whose text the engine may have written (reasons): rendered with reasonLabel. */
const isReasonColumn = (name: string): boolean => name === 'reason' || name.endsWith('_reason');

export interface LabelRowsOptions {
  /** Show instants (instant columns and those inside reasons) in this zone, with its offset; left as stored without one. */
  timeZone?: string;
  /** False: leave instant columns as stored, for a caller that formats them itself (reasons still use timeZone). */
  instants?: boolean;
}

/** A cell as people read it: codes as labels, flags 是/否, system-written reasons translated, empty as ''. */
export function cellLabel(ledger: Pick<LedgerShape, 'name' | 'columns'>, column: string, value: CellValue | undefined, lang: Lang = 'zh', options: LabelRowsOptions = {}): string {
  if (value === null || value === undefined) return '';
  const c = ledger.columns.find((x) => x.name === column);
  if (c?.instant && typeof value === 'string') return options.timeZone && options.instants !== false ? zonedIso(value, options.timeZone) : value;
  if (c?.flag) return yesNo(value, lang);
  if (typeof value === 'string' && isReasonColumn(column)) return reasonLabel(value, lang, options.timeZone);
  return valueLabel(column, value, lang, ledger.name);
}

/**
 * Rows of a ledger as people read them (CLI tables, exports, API pages): every code column labelled in `lang`, flags
 * 是/否, reasons translated, instants in the zone when one is given. The other cells keep their values.
 */
export function labelRows(ledger: Pick<LedgerShape, 'name' | 'columns'>, rows: readonly LedgerRow[], lang: Lang = 'zh', options: LabelRowsOptions = {}): LedgerRow[] {
  const touched = ledger.columns.filter((c) => c.flag || (c.instant && options.timeZone && options.instants !== false) || isReasonColumn(c.name) || hasLabels(c.name, ledger.name));
  return rows.map((r) => {
    const out: LedgerRow = { ...r };
    for (const c of touched) if (r[c.name] !== null && r[c.name] !== undefined) out[c.name] = cellLabel(ledger, c.name, r[c.name], lang, options);
    return out;
  });
}

/** Whether the values of a column of a ledger are codes with labels (a dictionary or a pattern). */
export function hasLabels(column: string, ledger?: string): boolean {
  return lookup(VALUE_LABELS, column, ledger) !== undefined || lookup(RENDERERS, column, ledger) !== undefined;
}

/** Per code column of a ledger, the labels of its codes in `lang` (for an API page or a legend). */
export function columnValueLabels(ledger: Pick<LedgerShape, 'name' | 'columns'>, lang: Lang = 'zh'): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const c of ledger.columns) {
    if (c.flag) out[c.name] = { '1': YES_NO.yes[lang], '0': YES_NO.no[lang] };
    else {
      const labels = lookup(VALUE_LABELS, c.name, ledger.name);
      if (labels) out[c.name] = Object.fromEntries(Object.entries(labels).map(([code, l]) => [code, l[lang]]));
    }
  }
  return out;
}

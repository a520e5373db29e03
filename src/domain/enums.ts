/**
 * Every enumerated value of the domain with its labels, in one module: schemas, deciders, ledgers, the CLI and exports
 * read them from here. Pure data, workflow-safe. Labels are Chinese first (the default for people), English second.
 */
export type Labels<T extends string> = Record<T, { zh: string; en: string }>;

const values = <T extends string>(labels: Labels<T>) => Object.keys(labels) as unknown as readonly [T, ...T[]];

// 重大 / 一般 / 轻微
export const SEVERITY_LABELS: Labels<'major' | 'normal' | 'minor'> = {
  major: { zh: '重大', en: 'major' },
  normal: { zh: '一般', en: 'normal' },
  minor: { zh: '轻微', en: 'minor' },
};
export const SEVERITIES = values(SEVERITY_LABELS);
export type Severity = (typeof SEVERITIES)[number];

export const CHANNEL_LABELS: Labels<'phone' | 'visit' | 'letter' | 'web' | 'email'> = {
  phone: { zh: '电话', en: 'phone' },
  visit: { zh: '来访', en: 'visit' },
  letter: { zh: '信函', en: 'letter' },
  web: { zh: '网站', en: 'web' },
  email: { zh: '电子邮件', en: 'email' },
};
export const CHANNELS = values(CHANNEL_LABELS);
export type Channel = (typeof CHANNELS)[number];

// 产品质量 and 服务态度 (seed 001); 交付, 收费, 其他 are design defaults
export const CATEGORY_LABELS: Labels<'product_quality' | 'service_attitude' | 'delivery' | 'charges' | 'other'> = {
  product_quality: { zh: '产品质量', en: 'product quality' },
  service_attitude: { zh: '服务态度', en: 'service attitude' },
  delivery: { zh: '交付', en: 'delivery' },
  charges: { zh: '收费', en: 'charges' },
  other: { zh: '其他', en: 'other' },
};
export const CATEGORIES = values(CATEGORY_LABELS);
export type Category = (typeof CATEGORIES)[number];

// 客户类型 (seed 002)
export const CUSTOMER_TYPE_LABELS: Labels<'potential' | 'intending' | 'owner' | 'dealer'> = {
  potential: { zh: '潜在客户', en: 'potential' },
  intending: { zh: '意向客户', en: 'intending' },
  owner: { zh: '业主', en: 'owner-customer' },
  // 经销商: surveyed as dealers (seed 000)
  dealer: { zh: '经销商', en: 'dealer' },
};
export const CUSTOMER_TYPES = values(CUSTOMER_TYPE_LABELS);
export type CustomerType = (typeof CUSTOMER_TYPES)[number];

// 重点客户 vs 普通客户 (seed 000): decides the survey cycle and, by default, the halved SLA
export const IMPORTANCE_LABELS: Labels<'key' | 'ordinary'> = {
  key: { zh: '重点客户', en: 'key account' },
  ordinary: { zh: '普通客户', en: 'ordinary' },
};
export const IMPORTANCE = values(IMPORTANCE_LABELS);
export type Importance = (typeof IMPORTANCE)[number];

// A/B/C/D scored on 合作历史, 付款情况, 信誉度, 诚信度, 需求量 (seed 004)
export const GRADE_LABELS: Labels<'A' | 'B' | 'C' | 'D'> = {
  A: { zh: 'A 级', en: 'A' },
  B: { zh: 'B 级', en: 'B' },
  C: { zh: 'C 级', en: 'C' },
  D: { zh: 'D 级', en: 'D' },
};
export const GRADES = values(GRADE_LABELS);
export type Grade = (typeof GRADES)[number];

/** The service class an SLA applies: key (重点客户 or grade A, by default) gets halved targets. */
export const CUSTOMER_CLASS_LABELS: Labels<'key' | 'ordinary'> = {
  key: { zh: '重点', en: 'key' },
  ordinary: { zh: '普通', en: 'ordinary' },
};
export const CUSTOMER_CLASSES = values(CUSTOMER_CLASS_LABELS);
export type CustomerClass = (typeof CUSTOMER_CLASSES)[number];

/** The five-level scale of seed 000, for follow-up visits and surveys: 1 很不满意 … 5 很满意. */
export const RATING_LABELS: Labels<'1' | '2' | '3' | '4' | '5'> = {
  '1': { zh: '很不满意', en: 'very dissatisfied' },
  '2': { zh: '不满意', en: 'dissatisfied' },
  '3': { zh: '基本满意', en: 'fairly satisfied' },
  '4': { zh: '满意', en: 'satisfied' },
  '5': { zh: '很满意', en: 'very satisfied' },
};

// 客户变更申请书 kinds (seed 000): contract, scope/design, delivery date, price, service plan
export const CHANGE_KIND_LABELS: Labels<'contract' | 'scope' | 'delivery_date' | 'price' | 'service_plan'> = {
  contract: { zh: '合同变更', en: 'contract' },
  scope: { zh: '范围/设计变更', en: 'scope or design' },
  delivery_date: { zh: '交付日期变更', en: 'delivery date' },
  price: { zh: '价格变更', en: 'price' },
  service_plan: { zh: '服务方案变更', en: 'service plan' },
};
export const CHANGE_KINDS = values(CHANGE_KIND_LABELS);
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Where a change request stands: review (会审), approval (审批), sign-off (书面签证), implementation, verification. */
export const CHANGE_STATUS_LABELS: Labels<
  'reviewing' | 'approving' | 'second_review' | 'rejected' | 'approved' | 'signed_off' | 'implementing' | 'verifying' | 'verified' | 'shelved' | 'closed' | 'cancelled'
> = {
  reviewing: { zh: '会审中', en: 'in review' },
  approving: { zh: '审批中', en: 'awaiting approval' },
  second_review: { zh: '二次审核中', en: 'in second review' },
  rejected: { zh: '已驳回', en: 'rejected' },
  approved: { zh: '已批准', en: 'approved' },
  signed_off: { zh: '已签证', en: 'signed off' },
  implementing: { zh: '实施中', en: 'implementing' },
  verifying: { zh: '待验证', en: 'awaiting verification' },
  verified: { zh: '已验证', en: 'verified' },
  shelved: { zh: '已搁置', en: 'shelved' },
  closed: { zh: '已关闭', en: 'closed' },
  cancelled: { zh: '已取消', en: 'cancelled' },
};
export const CHANGE_STATUSES = values(CHANGE_STATUS_LABELS);
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

// Review opinions (会审意见)
export const OPINION_LABELS: Labels<'agree' | 'conditional' | 'disagree'> = {
  agree: { zh: '同意', en: 'agree' },
  conditional: { zh: '有条件同意', en: 'agree with conditions' },
  disagree: { zh: '不同意', en: 'disagree' },
};
export const OPINIONS = values(OPINION_LABELS);
export type Opinion = (typeof OPINIONS)[number];

// 满意度调查 (seed 000): the five levels of 《客户满意度调查问卷》, best first; 不满意 and 很不满意 are negative
export const SURVEY_LEVEL_LABELS: Labels<'very_satisfied' | 'satisfied' | 'fairly_satisfied' | 'dissatisfied' | 'very_dissatisfied'> = {
  very_satisfied: { zh: '很满意', en: 'very satisfied' },
  satisfied: { zh: '满意', en: 'satisfied' },
  fairly_satisfied: { zh: '基本满意', en: 'fairly satisfied' },
  dissatisfied: { zh: '不满意', en: 'dissatisfied' },
  very_dissatisfied: { zh: '很不满意', en: 'very dissatisfied' },
};
export const SURVEY_LEVELS = values(SURVEY_LEVEL_LABELS);
export type SurveyLevel = (typeof SURVEY_LEVELS)[number];
export const NEGATIVE_LEVELS: readonly SurveyLevel[] = ['dissatisfied', 'very_dissatisfied'];

/** Survey segments: 重点客户 every quarter, 普通客户 every half year, 专项 ad hoc (seed 000). */
export const SURVEY_SEGMENT_LABELS: Labels<'key' | 'ordinary' | 'special'> = {
  key: { zh: '重点客户季度调查', en: 'key customers, quarterly' },
  ordinary: { zh: '普通客户半年调查', en: 'ordinary customers, half-yearly' },
  special: { zh: '专项调查', en: 'special survey' },
};
export const SURVEY_SEGMENTS = values(SURVEY_SEGMENT_LABELS);
export type SurveySegment = (typeof SURVEY_SEGMENTS)[number];

/** Who answers: customers, dealers (经销商, customers of that type) and salespeople (业务员, staff). */
export const RESPONDENT_KIND_LABELS: Labels<'customer' | 'dealer' | 'salesperson'> = {
  customer: { zh: '客户', en: 'customer' },
  dealer: { zh: '经销商', en: 'dealer' },
  salesperson: { zh: '业务员', en: 'salesperson' },
};
export const RESPONDENT_KINDS = values(RESPONDENT_KIND_LABELS);
export type RespondentKind = (typeof RESPONDENT_KINDS)[number];

export const SURVEY_STATUS_LABELS: Labels<'open' | 'closed'> = {
  open: { zh: '调查中', en: 'open' },
  closed: { zh: '已结束', en: 'closed' },
};

/** Corrective actions (纠正措施) for a negative indicator: owner named, plan, carried out, verified. */
export const CORRECTIVE_STATUS_LABELS: Labels<'awaiting_owner' | 'planning' | 'executing' | 'verifying' | 'closed'> = {
  awaiting_owner: { zh: '待指定责任人', en: 'awaiting an owner' },
  planning: { zh: '待制定措施', en: 'planning' },
  executing: { zh: '整改中', en: 'being carried out' },
  verifying: { zh: '待验证', en: 'awaiting verification' },
  closed: { zh: '已验证关闭', en: 'verified and closed' },
};
export const CORRECTIVE_STATUSES = values(CORRECTIVE_STATUS_LABELS);
export type CorrectiveStatus = (typeof CORRECTIVE_STATUSES)[number];

/** The label of any enumerated value, or the value itself when it has none. */
export function labelOf<T extends string>(labels: Labels<T>, value: string, lang: 'zh' | 'en' = 'zh'): string {
  return (labels as Record<string, { zh: string; en: string }>)[value]?.[lang] ?? value;
}

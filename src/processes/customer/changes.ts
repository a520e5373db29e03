/**
 * The kinds of master-data change (客户资料变更) a customer goes through under maker-checker (seed 000: data is verified
 * and approved before it is entered), and their short descriptions for ledgers and messages. Pure data and functions,
 * workflow-safe; the schemas and the ledgers read them from here.
 */

/**
 * 登记 registration, 联系方式 contact, 基本资料 profile, 标记 flag, 等级 grade, 重点客户 key-account designation, 删除个人信息
 * erasure of the customer's personal data (PIPL; crypto-shredding once approved).
 */
export const CUSTOMER_CHANGE_KINDS = ['registration', 'contact', 'profile', 'flag', 'grade', 'key_account', 'erasure'] as const;
export type CustomerChangeKind = (typeof CUSTOMER_CHANGE_KINDS)[number];

/** Where a change stands: awaiting its checkers, under the second review (二次审核), or decided. */
export const CUSTOMER_CHANGE_STATUSES = ['pending', 'second_review', 'approved', 'rejected', 'withdrawn'] as const;
export type CustomerChangeStatus = (typeof CUSTOMER_CHANGE_STATUSES)[number];

/** The approval steps a change may have: its checkers', then, after a rejection, the second review. */
export const CUSTOMER_STEPS = ['approval', 'second_review'] as const;
export type CustomerStepKind = (typeof CUSTOMER_STEPS)[number];

/** 黑名单 blacklist and the 多次索赔 repeated-claims warning (seed 002). */
export const CUSTOMER_FLAGS = ['blacklist', 'repeated_claims'] as const;
export type CustomerFlag = (typeof CUSTOMER_FLAGS)[number];

/** The five factors a grade is scored on (seed 004), each 1 (poor) to 5 (excellent). */
export const GRADE_FACTORS = ['cooperationHistory', 'payment', 'reputation', 'integrity', 'demand'] as const;
export type GradeFactor = (typeof GRADE_FACTORS)[number];
export const GRADE_FACTOR_LABELS: Record<GradeFactor, { zh: string; en: string }> = {
  cooperationHistory: { zh: '合作历史', en: 'cooperation history' },
  payment: { zh: '付款情况', en: 'payment' },
  reputation: { zh: '信誉度', en: 'reputation' },
  integrity: { zh: '诚信度', en: 'integrity' },
  demand: { zh: '需求量', en: 'demand' },
};
export const SCORE_MIN = 1;
export const SCORE_MAX = 5;
export type GradeScores = Record<GradeFactor, number>;

export const scoreTotal = (s: GradeScores): number => GRADE_FACTORS.reduce((sum, f) => sum + s[f], 0);

/** `合作历史 4, 付款情况 5, 信誉度 4, 诚信度 5, 需求量 3 (21/25)`. */
export const scoresText = (s: GradeScores): string =>
  `${GRADE_FACTORS.map((f) => `${GRADE_FACTOR_LABELS[f].zh} ${s[f]}`).join(', ')} (${scoreTotal(s)}/${GRADE_FACTORS.length * SCORE_MAX})`;

/** What a change proposes, in the shape its submission event records it. */
export interface ChangeProposal {
  kind: CustomerChangeKind;
  fields: string[];
  flag?: { flag: CustomerFlag; set: boolean; reason: string };
  grade?: { from: string; to: string };
  importance?: { from: string; to: string };
}

/** A short description without personal data: `grade C→B`, `contact (phone, email)`, `blacklist on`. */
export function changeSummary(c: ChangeProposal): string {
  switch (c.kind) {
    case 'registration':
      return 'registration';
    case 'contact':
    case 'profile':
      return `${c.kind} (${c.fields.join(', ')})`;
    case 'flag':
      return c.flag ? `${c.flag.flag} ${c.flag.set ? 'on' : 'off'}` : 'flag';
    case 'grade':
      return c.grade ? `grade ${c.grade.from}→${c.grade.to}` : 'grade';
    case 'key_account':
      return c.importance ? `importance ${c.importance.from}→${c.importance.to}` : 'key account';
    case 'erasure':
      return 'erasure of personal data';
  }
}

/** Change ids are the customer's id and the change's number on its record: `C123-1`, `C123-2`, … */
export const changeIdOf = (customerId: string, n: number): string => `${customerId}-${n}`;

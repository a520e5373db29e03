import { forbidden } from './errors';

/** Who acts in the system. Escalation targets and approvers are roles, resolved to people through the staff directory. */
export const ROLES = [
  'agent',
  'supervisor',
  'manager',
  'general_manager',
  'auditor',
  'admin',
  // Reviewers and approvers of change requests and master data (seeds 000, 002, 004).
  'sales_vp',
  'committee',
  'finance',
  'marketing',
  'expert',
  'checker',
  // 绩效管理领导小组 names the owners of negative survey indicators and verifies their corrective actions (seed 000);
  // 业务员 answer surveys about their customers.
  'performance',
  'salesperson',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles that act on their own: `system` is the engine itself (timers, escalations); `respondent` is someone answering a
 * survey through their personal link, with no account.
 */
export type ActorRole = Role | 'system' | 'respondent';

export const ROLE_LABELS_ZH: Record<Role, string> = {
  agent: '客服专员',
  supervisor: '客服主管',
  manager: '部门经理',
  general_manager: '总经理',
  auditor: '审计',
  admin: '系统管理员',
  sales_vp: '销售主管VP',
  committee: '决策委员会',
  finance: '财务部',
  marketing: '市场部',
  expert: '专家组',
  checker: '资料审核员',
  performance: '绩效管理领导小组',
  salesperson: '业务员',
};

/** Everyone who handles matters: all but the auditor, who only reads. */
export const STAFF_ROLES: readonly Role[] = ['agent', 'supervisor', 'manager', 'general_manager', 'admin', 'sales_vp', 'committee', 'finance', 'marketing', 'expert', 'checker', 'performance', 'salesperson'];

/** Roles that see personal data unmasked; everyone with a token may read ledgers. */
export const PII_VISIBLE_TO: readonly Role[] = ['supervisor', 'manager', 'general_manager', 'auditor', 'admin', 'sales_vp', 'checker'];

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

/** The engine itself may do anything a process allows; anyone else needs one of the command's roles. */
export function authorize(what: string, allowed: readonly string[], role: ActorRole): void {
  if (role === 'system' || allowed.includes(role)) return;
  throw forbidden('role.not_allowed', `role ${role} may not ${what}; allowed: ${allowed.join(', ') || 'nobody'}`);
}

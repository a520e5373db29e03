/** Who acts in the system. Escalation targets and approvers are roles, resolved to people by configuration. */
export const ROLES = ['agent', 'supervisor', 'manager', 'general_manager', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that act on their own (`system` is the engine itself: timers, escalations). */
export type ActorRole = Role | 'system';

export const ROLE_LABELS_ZH: Record<Role, string> = {
  agent: '客服专员',
  supervisor: '客服主管',
  manager: '部门经理',
  general_manager: '总经理',
  auditor: '审计',
  admin: '系统管理员',
};

import { forbidden } from './errors';
import type { ActorRole, Role } from './roles';

/**
 * Which roles may issue which command. Auditors only read; `system` is the engine itself.
 * Finer rules that depend on the record (an agent acts on their own complaints) live in the deciders.
 */
export const COMMAND_ROLES: Record<string, readonly ActorRole[]> = {
  RegisterCustomer: ['agent', 'supervisor', 'manager', 'general_manager', 'admin'],
  UpdateCustomerContact: ['agent', 'supervisor', 'manager', 'general_manager', 'admin'],
};

export function mayIssue(commandType: string, role: ActorRole): boolean {
  return COMMAND_ROLES[commandType]?.includes(role) ?? false;
}

export function authorize(commandType: string, role: ActorRole): void {
  if (!mayIssue(commandType, role)) {
    const allowed = (COMMAND_ROLES[commandType] ?? []).join(', ') || 'nobody';
    throw forbidden('role.not_allowed', `role ${role} may not ${commandType}; allowed: ${allowed}`);
  }
}

/** Read access to ledgers: everyone with a token may read; personal data is masked by role elsewhere. */
export const PII_VISIBLE_TO: readonly Role[] = ['supervisor', 'manager', 'general_manager', 'auditor', 'admin'];

import { DomainError, validationError, type FieldIssue } from '../../domain/errors';
import { SIGNATURE_RULES, signatureProblem, type SignedCommand } from '../../domain/signature';
import { commandKeys } from './command-keys';
import type { CommandMeta } from '../../domain/process';
import { isRole } from '../../domain/roles';

/**
 * Command metadata as it crosses into a workflow, checked again (the API is not the only client) with plain code:
 * workflow code evaluates no schema library.
 */
export function checkMeta(raw: unknown): CommandMeta {
  const m = (raw ?? {}) as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  const text = (key: string, max: number, required: boolean) => {
    const v = m[key];
    if (v === undefined && !required) return;
    if (typeof v !== 'string' || v.length === 0 || v.length > max) issues.push({ field: `meta.${key}`, rule: v === undefined ? 'is required' : `must be a string of 1–${max} characters` });
  };
  text('actor', 100, true);
  if (!(isRole(m.role) || m.role === 'system' || m.role === 'respondent')) issues.push({ field: 'meta.role', rule: m.role === undefined ? 'is required' : 'must be a known role' });
  text('reason', 1000, false);
  text('correlationId', 200, false);
  text('at', 40, false);
  text('sig', 128, false);
  for (const k of Object.keys(m)) if (!['actor', 'role', 'reason', 'correlationId', 'at', 'sig'].includes(k)) issues.push({ field: `meta.${k}`, rule: 'is not a known field' });
  if (issues.length) throw validationError(issues);
  return m as unknown as CommandMeta;
}

/**
 * Refuses a command from outside the worker unless the API signed it (src/domain/signature.ts): run in Update
 * validators only, so the check happens before history records the command and is never re-run on replay (a rotated
 * key cannot change an old history's outcome).
 */
export function checkSignature(command: SignedCommand): void {
  const problem = signatureProblem(commandKeys(), command, Date.now());
  if (!problem) return;
  const field = problem === 'system_from_outside' ? 'meta.role' : 'meta.sig';
  throw new DomainError(problem === 'system_from_outside' ? 'forbidden' : 'validation', `command.${problem}`, `command to ${command.workflowId}: ${field} ${SIGNATURE_RULES[problem]}`, [{ field, rule: SIGNATURE_RULES[problem] }]);
}

import { ApplicationFailure } from '@temporalio/workflow';
import type { Policy } from '../../domain/policy/schema';

/**
 * Every shipped policy version, `name@version` → the parsed policy. This source is empty: in the workflow bundle the
 * module is replaced by the table the bundler builds from `policies/*.json` and `policies/archive/*.json`, parsed once on
 * the node side (src/config/bundle.ts), and preloaded once per worker thread, shared by every workflow it runs.
 */
export const SHIPPED_POLICIES: Readonly<Record<string, Policy>> = {};

/**
 * The policy a process runs with: the document its start input carries (a policy of the operator's own, and every run
 * started before inputs carried a reference), else the shipped version its reference names.
 */
export function policyOfInput(input: { policy?: Policy; policyRef?: string }): Policy | undefined {
  if (input.policy) return input.policy;
  if (input.policyRef === undefined) return undefined;
  const found = SHIPPED_POLICIES[input.policyRef];
  if (!found) throw ApplicationFailure.nonRetryable(`policy ${input.policyRef} is not among this worker's shipped policies (policies/*.json, policies/archive/*.json)`, 'UnknownPolicy');
  return found;
}

import defaults from '../../../policies/default.json';
import type { ApprovalsPolicy } from '../policy/schema';

/**
 * docs/domain.md's approvals, from `policies/default.json` (the one source): what a policy without an `approvals` section
 * means — one parsed without it, or one recorded in a workflow's input before policies had it (version 2 and older).
 * Workflow-safe: plain data.
 */
export const DEFAULT_APPROVALS = defaults.approvals as ApprovalsPolicy;

import { ApplicationFailure } from '@temporalio/workflow';
import { DomainError, type DomainErrorKind, type FieldIssue } from '../../domain/errors';

/** The failure type every business rejection travels under; details[0] carries kind, code and field issues. */
export const DOMAIN_FAILURE = 'DomainError';

export interface DomainFailureDetails {
  kind: DomainErrorKind;
  code: string;
  issues: FieldIssue[];
}

export function toFailure(err: unknown): unknown {
  if (err instanceof DomainError) {
    const details: DomainFailureDetails = { kind: err.kind, code: err.code, issues: err.issues };
    return ApplicationFailure.create({ type: DOMAIN_FAILURE, message: err.message, nonRetryable: true, details: [details] });
  }
  return err;
}

/** Runs pure domain code, turning its DomainError into an ApplicationFailure that fails only the command. */
export function domainCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toFailure(err);
  }
}

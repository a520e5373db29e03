/**
 * Business failures carry a kind that every adapter maps the same way:
 * validation → 400, forbidden → 403, not_found → 404, illegal_state → 409, concurrency → 412.
 */
/** `unavailable`: a read model is not there yet (a replica behind its store); asking again later helps. */
export type DomainErrorKind = 'validation' | 'forbidden' | 'not_found' | 'illegal_state' | 'concurrency' | 'unavailable';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `phone` or `contact.email`. */
  field: string;
  /** The rule that was broken, in words. */
  rule: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** Stable machine-readable code, e.g. `customer.already_registered`. */
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const validationError = (issues: FieldIssue[]): DomainError =>
  new DomainError('validation', 'validation_failed', issues.map((i) => `${i.field}: ${i.rule}`).join('; '), issues);

export const illegalState = (code: string, message: string): DomainError => new DomainError('illegal_state', code, message);
/** A field the record's state makes necessary (a reason to close early): the input is valid, the state asks for more. */
export const requiredNow = (code: string, field: string, rule: string): DomainError => new DomainError('illegal_state', code, `${field}: ${rule}`, [{ field, rule }]);
export const notFound = (code: string, message: string): DomainError => new DomainError('not_found', code, message);
export const forbidden = (code: string, message: string): DomainError => new DomainError('forbidden', code, message);

export const HTTP_STATUS_OF_KIND: Record<DomainErrorKind, number> = {
  validation: 400,
  forbidden: 403,
  not_found: 404,
  illegal_state: 409,
  concurrency: 412,
  unavailable: 503,
};

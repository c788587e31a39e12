// One error family for the whole platform; statusFor() is the only map from codes to HTTP statuses.

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'no_match'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'validation_failed'
  | 'obligee_not_eligible'
  | 'invalid_event'
  | 'throttled'
  | 'internal'
  | 'unavailable';

export interface FieldIssue {
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly issues: FieldIssue[] | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: { issues?: FieldIssue[]; retryAfter?: number } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.issues = options.issues;
    this.retryAfter = options.retryAfter;
  }
}

export function statusFor(code: ErrorCode): 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503 {
  switch (code) {
    case 'bad_request':
      return 400;
    case 'unauthorized':
    case 'no_match':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'too_large':
      return 413;
    case 'validation_failed':
    case 'obligee_not_eligible':
    case 'invalid_event':
      return 422;
    case 'throttled':
      return 429;
    case 'internal':
      return 500;
    case 'unavailable':
      return 503;
  }
}

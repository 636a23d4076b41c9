import { randomBytes } from 'node:crypto'

/** One entry of Clerk's `ClerkErrors.errors`. */
export interface ClerkErrorJSON {
  message: string
  long_message: string
  code: string
  meta?: Record<string, unknown>
}

/** Clerk's error body: every 4xx/5xx of the Backend API has this shape (`ClerkErrors` schema). */
export interface ClerkErrorsJSON {
  errors: ClerkErrorJSON[]
  clerk_trace_id: string
}

/** Thrown by route handlers; the server turns it into a ClerkErrors answer. */
export class ClerkApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ClerkErrorJSON,
    readonly headers: Record<string, string> = {},
  ) {
    super(error.long_message)
    this.name = 'ClerkApiError'
  }
}

/** A 32-hex-digit id, as Clerk returns in `clerk_trace_id`, so callers can log it. */
export function traceId(): string {
  return randomBytes(16).toString('hex')
}

export function errorsBody(error: ClerkErrorJSON): ClerkErrorsJSON {
  return { errors: [error], clerk_trace_id: traceId() }
}

// Codes and messages below are Clerk's own (clerk-docs `data/api_errors.json`), so callers that
// branch on `code` behave here as they would against Clerk.

export const apiErrors = {
  headerFormatInvalid: () =>
    new ClerkApiError(401, {
      message: 'Invalid Authorization header format',
      long_message: "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'",
      code: 'authorization_header_format_invalid',
    }),
  keyInvalid: () =>
    new ClerkApiError(401, {
      message:
        'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.',
      long_message:
        'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.',
      code: 'clerk_key_invalid',
    }),
  userNotFound: (userId: string) =>
    new ClerkApiError(404, {
      message: 'not found',
      long_message: `No user was found with id ${userId}`,
      code: 'resource_not_found',
    }),
  resourceNotFound: () =>
    new ClerkApiError(404, {
      message: 'not found',
      long_message: 'Resource not found',
      code: 'resource_not_found',
    }),
  tooManyRequests: (retryAfterSeconds: number) =>
    new ClerkApiError(
      429,
      {
        message: 'Too many requests',
        long_message: 'Too many requests, retry later',
        code: 'too_many_requests',
      },
      { 'retry-after': String(retryAfterSeconds) },
    ),
  bodyInvalid: (detail?: string) =>
    new ClerkApiError(400, {
      message: 'Request body invalid',
      long_message: detail
        ? `The request body is invalid: ${detail}`
        : 'The request body is invalid. Please consult the API documentation for more information.',
      code: 'request_body_invalid',
    }),
  unsupportedContentType: (actual: string) =>
    new ClerkApiError(415, {
      message: 'Content-Type is unsupported',
      long_message: `Content-Type ${actual} is unsupported. You should use application/json instead.`,
      code: 'unsupported_content_type',
    }),
  apiVersionInvalid: (reason: string) =>
    new ClerkApiError(400, {
      message: 'Invalid Clerk API version',
      long_message: `Invalid Clerk API version: ${reason}`,
      code: 'api_version_invalid',
    }),
  paramUnknown: (param: string) =>
    new ClerkApiError(422, {
      message: 'is unknown',
      long_message: `${param} is not a valid parameter for this request.`,
      code: 'form_param_unknown',
      meta: { param_name: param },
    }),
  paramMissing: (param: string) =>
    new ClerkApiError(422, {
      message: 'is missing',
      long_message: `${param} must be included.`,
      code: 'form_param_missing',
      meta: { param_name: param },
    }),
  paramFormatInvalid: (param: string, longMessage: string) =>
    new ClerkApiError(422, {
      message: 'is invalid',
      long_message: longMessage,
      code: 'form_param_format_invalid',
      meta: { param_name: param },
    }),
  paramValueInvalid: (param: string, value: unknown, longMessage?: string) =>
    new ClerkApiError(422, {
      message: 'is invalid',
      long_message:
        longMessage ??
        `${String(value)} does not match one of the allowed values for parameter ${param}`,
      code: 'form_param_value_invalid',
      meta: { param_name: param },
    }),
  paramTooLarge: (param: string, longMessage: string) =>
    new ClerkApiError(422, {
      message: 'exceeds allowed size',
      long_message: longMessage,
      code: 'form_param_exceeds_allowed_size',
      meta: { param_name: param },
    }),
  identifierExists: (param: string) =>
    new ClerkApiError(422, {
      message: 'That identifier is taken. Please try another.',
      long_message: `That ${param.replace(/_/g, ' ')} is taken. Please try another.`,
      code: 'form_identifier_exists',
      meta: { param_name: param },
    }),
  // Clerk's FormPasswordDigestInvalid (Backend API errors reference): its short message is empty.
  passwordDigestInvalid: (hasher: string) =>
    new ClerkApiError(422, {
      message: '',
      long_message: `password_digest is not a valid ${hasher} digest.`,
      code: 'form_password_digest_invalid_code',
      meta: { param_name: 'password_digest' },
    }),
  passwordTooShort: () =>
    new ClerkApiError(422, {
      message: 'Passwords must be 8 characters or more.',
      long_message: 'Passwords must be 8 characters or more.',
      code: 'form_password_length_too_short',
      meta: { param_name: 'password' },
    }),
  usernameLength: () =>
    new ClerkApiError(422, {
      message: 'Username must be between 4 and 64 characters long.',
      long_message: 'Username must be between 4 and 64 characters long.',
      code: 'form_username_invalid_length',
      meta: { param_name: 'username' },
    }),
  dataMissing: () =>
    new ClerkApiError(422, {
      message: 'missing data',
      long_message:
        'An email address, phone number, username or web3 wallet is required (or skip_user_requirement).',
      code: 'form_data_missing',
    }),
  internal: () =>
    new ClerkApiError(500, {
      message: 'Oops, an unexpected error occurred',
      long_message:
        'There was an internal error on our servers. We\u2019ve been notified and are working on fixing it.',
      code: 'internal_clerk_error',
    }),
}

import { Webhook, WebhookVerificationError } from 'svix'
import { ErrorCode } from '../errors/clerk-sync-error.js'
import type { SvixHeaders } from './headers.js'

export type VerifyResult =
  | { ok: true; payload: unknown }
  | {
      ok: false
      code:
        | typeof ErrorCode.TIMESTAMP_INVALID
        | typeof ErrorCode.SIGNATURE_INVALID
        | typeof ErrorCode.BODY_NOT_JSON
      message: string
    }

export interface SignatureVerifier {
  verify(body: string, headers: SvixHeaders): VerifyResult
}

// svix signs the parsed number, so "01614265330" is not the same timestamp: no leading zero.
const DIGITS = /^[1-9]\d{0,11}$/

/**
 * Verifies with svix's `Webhook` against each secret in turn (rotation). svix is lax about the
 * timestamp (`parseInt` accepts "12abc") and fixes its tolerance at 300 s, so the strict checks
 * run here first.
 */
export function createSignatureVerifier(
  secrets: readonly string[],
  toleranceSeconds: number,
): SignatureVerifier {
  const webhooks = secrets.map((secret) => new Webhook(secret))
  return {
    verify(body, headers) {
      if (!DIGITS.test(headers.timestamp)) {
        return {
          ok: false,
          code: ErrorCode.TIMESTAMP_INVALID,
          message: 'svix-timestamp is not a Unix time in seconds',
        }
      }
      const skew = Math.floor(Date.now() / 1000) - Number(headers.timestamp)
      if (Math.abs(skew) > toleranceSeconds) {
        return {
          ok: false,
          code: ErrorCode.TIMESTAMP_INVALID,
          message: `svix-timestamp is ${Math.abs(skew)}s ${skew > 0 ? 'old' : 'in the future'}, outside the ${toleranceSeconds}s tolerance`,
        }
      }
      const svixHeaders = {
        'svix-id': headers.id,
        'svix-timestamp': headers.timestamp,
        'svix-signature': headers.signature,
      }
      for (const webhook of webhooks) {
        try {
          return { ok: true, payload: webhook.verify(body, svixHeaders) }
        } catch (error) {
          if (error instanceof WebhookVerificationError) continue
          // svix parses the body only after a signature matched: a SyntaxError means verified, not JSON.
          if (error instanceof SyntaxError) {
            return {
              ok: false,
              code: ErrorCode.BODY_NOT_JSON,
              message: 'The verified body is not valid JSON',
            }
          }
          throw error
        }
      }
      return {
        ok: false,
        code: ErrorCode.SIGNATURE_INVALID,
        message: 'No matching signature found: check that the signing secret is this endpoint’s',
      }
    },
  }
}

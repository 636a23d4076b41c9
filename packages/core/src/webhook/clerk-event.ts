import { z } from 'zod'

/**
 * Clerk's event envelope. Lenient where Clerk may add things: unknown fields pass through, and only
 * what clerk-sync acts on is required.
 */
/** The largest time a JavaScript Date holds; beyond it a version would be NaN. */
const MAX_DATE_MS = 8.64e15

const envelope = z.looseObject({
  type: z.string().min(1),
  object: z.string().optional(),
  data: z.looseObject({}),
  /** Milliseconds per Clerk's docs; the spec's examples are seconds. See `eventTimeMs`. */
  timestamp: z.number().nonnegative().max(MAX_DATE_MS).optional(),
  instance_id: z.string().optional(),
})

const userId = z.string({ error: 'data.id must be a string' }).min(1, 'data.id must not be empty')

const upsertedUser = z.looseObject({
  id: userId,
  updated_at: z
    .number({ error: 'data.updated_at must be a number (ms)' })
    .int()
    .nonnegative()
    .max(MAX_DATE_MS),
  created_at: z.number().int().nonnegative().max(MAX_DATE_MS).optional(),
})

const deletedUser = z.looseObject({ id: userId })

/** The user events clerk-sync handles; every other type is acknowledged and ignored. */
export const userEventSchema = z.discriminatedUnion('type', [
  envelope.extend({ type: z.literal('user.created'), data: upsertedUser }),
  envelope.extend({ type: z.literal('user.updated'), data: upsertedUser }),
  envelope.extend({ type: z.literal('user.deleted'), data: deletedUser }),
])

export type UserEvent = z.infer<typeof userEventSchema>
export type UserEventType = UserEvent['type']

export const clerkEventEnvelopeSchema = envelope
export type ClerkEventEnvelope = z.infer<typeof envelope>

const handled: ReadonlySet<string> = new Set(
  userEventSchema.options.map((option) => option.shape.type.value),
)

export function isHandledEventType(type: string): type is UserEventType {
  return handled.has(type)
}

/** Clerk's docs say milliseconds; its spec's examples look like seconds. Below 1e12 is seconds. */
export function eventTimeMs(timestamp: number): number {
  return timestamp < 1e12 ? timestamp * 1000 : timestamp
}

/** One line naming the first problem, for the 400 answer and the log. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0]
  if (!issue) return 'invalid event'
  const path = issue.path.join('.')
  return path && !issue.message.startsWith(path) ? `${path}: ${issue.message}` : issue.message
}

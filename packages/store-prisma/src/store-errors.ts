import { ClerkSyncError, ErrorCode } from '@clerk-sync/core'

interface PrismaError {
  code?: string
  message?: string
  meta?: {
    target?: unknown
    modelName?: string
    driverAdapterError?: {
      cause?: { kind?: string; constraint?: { fields?: string[]; index?: string } }
    }
  }
}

function describe(error: unknown): string {
  const e = error as PrismaError
  return `${e?.code ?? ''} ${e?.message ?? String(error)} ${JSON.stringify(e?.meta ?? {})}`
}

/** Lost a race the database settled by aborting us: run the transaction again. */
export function isRetryable(error: unknown): boolean {
  const e = error as PrismaError
  if (e?.code === 'P2034') return true
  return /\b(40001|40P01|1213|1205)\b|deadlock|could not serialize|Lock wait timeout|SQLITE_BUSY|database is locked|TransactionWriteConflict/i.test(
    describe(error),
  )
}

const hints = {
  unique:
    'another user holds this value, usually because it moved between two users and the other ' +
    'user’s update has not arrived yet. Answered 500: Svix retries, and the write applies once that update lands.',
  notNull:
    'the user has no value for it (Clerk allows users without an email, e.g. phone or username sign-ups). ' +
    'Make the field optional or fill it in mapUser; until then Svix retries and fails.',
}

/**
 * Constraint violations of the app's model become `STORE_CONFLICT` naming the fields (never the
 * values, which may be emails); anything else keeps Prisma's first message line and code.
 */
export function translateWriteError(error: unknown, userIds: string[]): unknown {
  if (error instanceof ClerkSyncError) return error
  const e = error as PrismaError
  const who = userIds.length === 1 ? `User ${userIds[0]}` : `A batch of ${userIds.length} users`
  const adapterCause = e?.meta?.driverAdapterError?.cause
  if (e?.code === 'P2002' || adapterCause?.kind === 'UniqueConstraintViolation') {
    const fields =
      adapterCause?.constraint?.fields ??
      (Array.isArray(e.meta?.target) ? (e.meta?.target as string[]) : [])
    const target = fields.length
      ? fields.map((f) => `"${f}"`).join(', ')
      : (adapterCause?.constraint?.index ?? 'a unique key')
    return new ClerkSyncError(
      ErrorCode.STORE_CONFLICT,
      `${who} cannot be written: UNIQUE ${target} — ${hints.unique}`,
      { cause: error },
    )
  }
  if (e?.code === 'P2011' || adapterCause?.kind === 'NullConstraintViolation') {
    return new ClerkSyncError(
      ErrorCode.STORE_CONFLICT,
      `${who} cannot be written: NOT NULL — ${hints.notNull}`,
      { cause: error },
    )
  }
  const first =
    (e?.message ?? String(error)).trim().split('\n').filter(Boolean).at(-1) ?? 'unknown error'
  return new Error(`${first}${e?.code ? ` (${e.code})` : ''}`, { cause: error })
}

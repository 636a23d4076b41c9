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

/** Lost a race the database settled by aborting us: run the transaction again. */
export function isRetryable(error: unknown): boolean {
  const e = error as PrismaError & {
    meta?: { code?: string; driverAdapterError?: { cause?: { originalCode?: string } } }
  }
  if (e?.code === 'P2034') return true
  const cause = e?.meta?.driverAdapterError?.cause as
    | { kind?: string; originalCode?: string }
    | undefined
  if (cause?.kind === 'TransactionWriteConflict') return true
  const dbCode = cause?.originalCode ?? e?.meta?.code
  if (dbCode && ['40001', '40P01', '1213', '1205', 'SQLITE_BUSY'].includes(String(dbCode)))
    return true
  // Words only: a numeric match could hit a value (an email like bob.1213@…) in the message.
  return /deadlock detected|could not serialize access|Deadlock found|Lock wait timeout exceeded|database is locked/.test(
    String(e?.message ?? ''),
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

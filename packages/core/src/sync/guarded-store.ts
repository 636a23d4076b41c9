import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { Logger } from '../logging/logger.js'
import type { UserStore } from '../store/user-store.js'

const storeMethods = [
  'upsertUser',
  'deleteUser',
  'upsertUsers',
  'getUser',
  'listUsers',
  'countUsersByRole',
  'listAuditEntries',
  'pruneEvents',
] as const satisfies ReadonlyArray<keyof UserStore>

/** Part of the contract, but optional: wrapped when the store has them, absent when it has not. */
const optionalStoreMethods = [
  'hasEvent',
  'checkSchema',
  'getUsers',
] as const satisfies ReadonlyArray<keyof UserStore>

const EMAIL = /[^\s'"`<>(),;:]+@[^\s'"`<>(),;:]+/g

/**
 * What a store error says, fit for a log line: its first line only (drivers and ORMs append the
 * query's parameters below), emails masked, capped, with the driver's error code when it has one.
 * The whole error stays available as `cause`.
 */
export function describeStoreError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  const firstLine = (text.split('\n')[0] ?? '').replace(EMAIL, '[email]').slice(0, 300)
  const code = findCode(error)
  // A store that already names the code (e.g. drizzle's "… (42P01)") must not get it twice.
  return code && !firstLine.includes(`(${code})`) ? `${firstLine} (${code})` : firstLine
}

function findCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' || typeof code === 'number') return String(code)
  }
  return undefined
}

/** Fails at start-up, not at the first webhook, when a store lacks part of the contract. */
export function assertUserStore(store: unknown): asserts store is UserStore {
  if (typeof store !== 'object' || store === null) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'createClerkSync: `store` is required (a UserStore such as new MemoryStore() or drizzleStore(db)).',
    )
  }
  const missing = storeMethods.filter(
    (method) => typeof (store as Record<string, unknown>)[method] !== 'function',
  )
  if (missing.length) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      `createClerkSync: \`store\` is not a UserStore; it lacks ${missing.join(', ')}.`,
    )
  }
}

/**
 * The store as the rest of clerk-sync sees it: every call's failure becomes one
 * `ClerkSyncError('STORE_FAILED')` with the store's error as `cause`, so stores throw whatever
 * their driver throws and callers handle one error type.
 */
export function guardStore<R extends string>(
  store: UserStore<R>,
  options: { logger?: Logger } = {},
): UserStore<R> {
  const guarded: Record<string, unknown> = {}
  for (const method of [...storeMethods, ...optionalStoreMethods]) {
    if (typeof store[method] !== 'function') continue
    const call = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store)
    guarded[method] = async (...args: unknown[]) => {
      try {
        return await call(...args)
      } catch (error) {
        if (error instanceof ClerkSyncError) throw error
        const reason = describeStoreError(error)
        throw new ClerkSyncError(ErrorCode.STORE_FAILED, `Store ${method} failed: ${reason}`, {
          cause: error,
        })
      }
    }
  }
  if (store.mappedFields) guarded.mappedFields = store.mappedFields
  if (options.logger) checkSchemaOnce(guarded as unknown as UserStore<R>, options.logger)
  return guarded as unknown as UserStore<R>
}

/**
 * At start-up, asks the store whether its tables exist and logs what to run when they do not:
 * said once, before the first delivery fails. Never throws (the app is starting); deliveries
 * still fail with `STORE_NOT_MIGRATED` until the migration has run.
 */
export function checkSchemaOnce(store: UserStore<string>, logger: Logger): Promise<void> {
  if (typeof store.checkSchema !== 'function') return Promise.resolve()
  return store.checkSchema().then(
    () => {},
    (error: unknown) => {
      const code = error instanceof ClerkSyncError ? error.code : undefined
      const message = error instanceof Error ? error.message : String(error)
      if (code === ErrorCode.STORE_NOT_MIGRATED) logger.error(message, { code })
      else logger.warn(`Could not check the store's tables at start-up: ${message}`, { code })
    },
  )
}

/**
 * The set-role changes in flight in this process, per user. A webhook for that user waits for
 * them (bounded) before it writes, so the role manager's own write, which names the admin who
 * made the change, lands before Clerk's echo of it and the audit entry keeps its actor. Across
 * processes, or past the wait, the echo may land first; the store's rule on `roleBefore` still
 * keeps it to one entry (then the webhook's).
 */
export interface RoleChangeGate {
  /** Runs `change` (Clerk's update and the store write) as in flight for `userId`. */
  hold<T>(userId: string, change: () => Promise<T>): Promise<T>
  /**
   * Resolves once no change for `userId` is in flight, or after `maxWaitMs`; never rejects.
   * Undefined when none is in flight, so the webhook path awaits nothing in the usual case.
   */
  settled(userId: string, maxWaitMs: number): Promise<void> | undefined
}

/**
 * Where `createClerkSync` keeps its gate, for `createRoleManager({ sync })`. Not public API.
 * Non-enumerable; `Symbol.for`, so a second copy of core (ESM and CJS both loaded) still finds it.
 */
export const roleChangeGateKey = Symbol.for('@clerk-sync/core.roleChangeGate.v1')

export function roleChangeGateOf(sync: object | undefined): RoleChangeGate | undefined {
  return sync ? (sync as { [roleChangeGateKey]?: RoleChangeGate })[roleChangeGateKey] : undefined
}

/** How long a webhook waits for an in-flight set-role of its user (a Clerk call and a write). */
export const ROLE_CHANGE_WAIT_MS = 5_000

export function createRoleChangeGate(): RoleChangeGate {
  const inFlight = new Map<string, Set<Promise<unknown>>>()
  return {
    async hold(userId, change) {
      const running = change()
      const changes = inFlight.get(userId) ?? new Set()
      inFlight.set(userId, changes)
      changes.add(running)
      try {
        return await running
      } finally {
        changes.delete(running)
        if (changes.size === 0 && inFlight.get(userId) === changes) inFlight.delete(userId)
      }
    },
    settled(userId, maxWaitMs) {
      const changes = inFlight.get(userId)
      if (!changes?.size) return undefined
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, maxWaitMs)
      })
      return Promise.race([Promise.allSettled([...changes]), timeout]).then(() =>
        clearTimeout(timer),
      )
    },
  }
}

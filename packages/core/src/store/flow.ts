/**
 * A store operation written once as a generator that yields each query and receives its result,
 * then driven either synchronously (better-sqlite3, whose transactions refuse async callbacks and
 * must not yield to other code on the shared connection) or asynchronously (every other driver).
 */
export type Flow<T> = Generator<unknown, T, unknown>

/** `const rows = yield* step(query)`: yields the query, returns its (awaited) result, typed. */
export function* step<T>(query: T): Generator<unknown, Awaited<T>, unknown> {
  return (yield query) as Awaited<T>
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

export function runFlowSync<T>(flow: Flow<T>): T {
  let result = flow.next()
  while (!result.done) {
    if (isThenable(result.value)) {
      throw new TypeError('clerk-sync: a synchronous SQLite driver returned a promise')
    }
    result = flow.next(result.value)
  }
  return result.value
}

export async function runFlowAsync<T>(flow: Flow<T>): Promise<T> {
  let result = flow.next()
  while (!result.done) {
    let value: unknown
    try {
      value = await result.value
    } catch (error) {
      // Let the flow catch it (MySQL's duplicate-key answer on an event id is expected).
      result = flow.throw(error)
      continue
    }
    result = flow.next(value)
  }
  return result.value
}

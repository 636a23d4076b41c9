/** What `withDeadline` rejects with when the work outlives its deadline. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded'
}

/**
 * `work`, or a `DeadlineExceeded` rejection after `ms`, whichever comes first. The work itself is
 * not cancelled (a promise cannot be): its late answer or rejection is dropped, never unhandled.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(message)), ms)
  })
  work.catch(() => {})
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

import type {
  AppliedEvent,
  ApplyQueuedEvents,
  EnqueueOutcome,
  EventQueue,
  QueuedEvent,
  QueueStats,
  QueueWorkOptions,
} from '@clerk-sync/core/queue-kit'

/**
 * A test double of a queue engine: an array, only to drive core's branches (answers, worker
 * results, stats, stop). The real engine, with its durability, is tested in queue-pg-boss.
 */
export class ArrayQueue implements EventQueue {
  readonly description = 'array queue (test)'
  waiting: QueuedEvent[] = []
  dead: QueuedEvent[] = []
  /** What the last worker was given, and how often it was stopped. */
  worker: { options: QueueWorkOptions; apply: ApplyQueuedEvents; stops: number } | undefined
  /** Replaces enqueue's own answer (a failing or broken engine). */
  enqueueOverride: ((event: QueuedEvent) => Promise<EnqueueOutcome>) | undefined
  statsCalls = 0
  statsOverride: (() => Promise<QueueStats>) | undefined
  /** Failures before a job is dead-lettered. */
  retryLimit = 2
  attempts = new Map<string, number>()

  async enqueue(event: QueuedEvent): Promise<EnqueueOutcome> {
    if (this.enqueueOverride) return this.enqueueOverride(event)
    // Stored as the engine would: serialized.
    const job = JSON.parse(JSON.stringify(event)) as QueuedEvent
    if (this.waiting.some((e) => e.eventId === event.eventId)) return 'already-queued'
    const deadAt = this.dead.findIndex((e) => e.eventId === event.eventId)
    if (deadAt >= 0) {
      this.waiting.push(...this.dead.splice(deadAt, 1))
      return 'requeued'
    }
    this.waiting.push(job)
    return 'queued'
  }

  async work(options: QueueWorkOptions, apply: ApplyQueuedEvents) {
    this.worker = { options, apply, stops: 0 }
    const worker = this.worker
    return {
      stop: async () => {
        worker.stops++
      },
    }
  }

  /** Hands every waiting job to the worker as one batch; failed jobs wait again or die. */
  async runBatch(): Promise<AppliedEvent[]> {
    if (!this.worker) throw new Error('no worker')
    const batch = this.waiting.splice(0)
    const applied = await this.worker.apply(batch)
    batch.forEach((job, i) => {
      if (applied[i]?.ok) return
      const attempts = (this.attempts.get(job.eventId) ?? 0) + 1
      this.attempts.set(job.eventId, attempts)
      ;(attempts >= this.retryLimit ? this.dead : this.waiting).push(job)
    })
    return applied
  }

  async stats(): Promise<QueueStats> {
    this.statsCalls++
    if (this.statsOverride) return this.statsOverride()
    return {
      queued: this.waiting.length,
      active: 0,
      dead: this.dead.length,
      oldestQueuedAgeMs: this.waiting[0] ? Date.now() - this.waiting[0].receivedAt : null,
    }
  }

  async replayDead(options: { limit?: number } = {}): Promise<number> {
    const moved = this.dead.splice(0, options.limit ?? this.dead.length)
    this.waiting.push(...moved)
    return moved.length
  }
}

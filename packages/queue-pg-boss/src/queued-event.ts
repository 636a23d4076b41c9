import type { QueuedEvent } from '@clerk-sync/core/queue-kit'

/** Whether a job's data is what clerk-sync's webhook stores; anything else was sent by hand. */
export function isQueuedEvent(data: unknown): data is QueuedEvent {
  const event = data as Partial<QueuedEvent> | null
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.eventId === 'string' &&
    typeof event.payload === 'object' &&
    event.payload !== null
  )
}

/** For queue-engine adapters (`@clerk-sync/queue-pg-boss`): the contract queue mode runs on. */
export { assertEventQueue } from '../queue/assert-event-queue.js'
export type {
  AppliedEvent,
  ApplyQueuedEvents,
  EnqueueOutcome,
  EventQueue,
  QueuedEvent,
  QueueStats,
  QueueWorkerHandle,
  QueueWorkOptions,
} from '../queue/event-queue.js'
export { oncePerTurn } from '../timing/next-turn.js'

import { readFileSync } from 'node:fs'
import { clerkEvent, clerkUser, randomId } from '@clerk-sync/testing'
import { UsageError } from './usage-error.js'

export const TRIGGER_TYPES = ['user.created', 'user.updated', 'user.deleted'] as const
export type TriggerType = (typeof TRIGGER_TYPES)[number]

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function readJson(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(
      `--data: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'trigger',
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new UsageError(
      `--data: ${file} is not valid JSON: ${(error as Error).message}`,
      'trigger',
    )
  }
  if (!isRecord(value)) throw new UsageError(`--data: ${file} must hold a JSON object`, 'trigger')
  return value
}

/**
 * The event to send. By default a full, realistic Clerk user (every field of the User schema);
 * `--data` is either a whole event, sent as is, or fields laid over the default `data`.
 */
export function buildEvent(type: TriggerType, options: { dataFile?: string; userId?: string }) {
  const given = options.dataFile ? readJson(options.dataFile) : {}
  if (isRecord(given.data) && typeof given.type === 'string') {
    if (given.type !== type) {
      throw new UsageError(
        `--data holds a ${given.type} event, but the command says ${type}`,
        'trigger',
      )
    }
    const event = structuredClone(given) as Record<string, unknown> & {
      data: Record<string, unknown>
    }
    if (options.userId) event.data.id = options.userId
    return event
  }
  const id = options.userId ?? (typeof given.id === 'string' ? given.id : randomId('user'))
  if (type === 'user.deleted') {
    return clerkEvent(type, { object: 'user', deleted: true, ...given, id })
  }
  const now = Date.now()
  // An update is a later version of the user than its creation, as Clerk's updated_at says.
  const base = clerkUser({
    id,
    createdAt: type === 'user.created' ? now : now - 60_000,
    updatedAt: now,
  })
  const data = { ...base, ...given, id }
  return clerkEvent(type, data, {
    timestamp: typeof data.updated_at === 'number' ? data.updated_at : now,
  })
}

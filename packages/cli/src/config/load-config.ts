import { basename } from 'node:path'
import { createJiti } from 'jiti'
import { CommandFailure, clerkSyncErrorText } from '../command-failure.js'
import { UsageError } from '../usage-error.js'
import type { CliConfig, LoadedConfig } from './cli-config.js'

const EXPECTED =
  'export default async () => ({ sync: createClerkSync({ … }), clerk: createClerkClient({ … }), close: () => pool.end() })'

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') {
    const keys = Object.keys(value)
    return keys.length ? `an object with ${keys.join(', ')}` : 'an empty object'
  }
  return `a ${typeof value}`
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

/** What is wrong with the factory's result, or null when it has the shape the commands need. */
function shapeProblem(value: unknown): string | null {
  if (!isObject(value)) return `the factory returned ${describe(value)}`
  const { sync, clerk, close, legacyUsers } = value
  const problems: string[] = []
  if (!isObject(sync) || typeof sync.pruneEvents !== 'function') {
    problems.push('`sync` must be what createClerkSync() returns')
  }
  if (!isObject(clerk) || !isObject(clerk.users) || typeof clerk.users.getUserList !== 'function') {
    problems.push("`clerk` must be @clerk/backend's createClerkClient({ secretKey })")
  }
  if (typeof close !== 'function') {
    problems.push('`close` must be a function that releases your database pool')
  }
  if (
    legacyUsers !== undefined &&
    (!isObject(legacyUsers) ||
      typeof legacyUsers.link !== 'function' ||
      typeof (legacyUsers as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !==
        'function')
  ) {
    problems.push('`legacyUsers` must be an async iterable with link(appId, clerkId)')
  }
  return problems.length ? problems.join('; ') : null
}

/**
 * Loads a `clerk-sync.config.{ts,mts,js,mjs}` with jiti (TypeScript without a build step) and
 * runs its default-exported factory. A wrong shape is the caller's mistake (a usage error);
 * a factory that throws (an unreachable database) is a failure.
 */
export async function loadConfig(command: string, path: string): Promise<LoadedConfig> {
  const name = basename(path)
  const failed = (what: string, error: unknown): CommandFailure =>
    new CommandFailure(
      `${what}: ${clerkSyncErrorText(error) ?? (error instanceof Error ? error.message : String(error))}`,
      command,
      { cause: error },
    )
  const jiti = createJiti(import.meta.url, { interopDefault: true })
  let module: { default?: unknown }
  try {
    module = (await jiti.import(path)) as { default?: unknown }
  } catch (error) {
    throw failed(`could not load ${name}`, error)
  }
  const factory = module.default
  if (typeof factory !== 'function') {
    throw new UsageError(
      `${name} must default-export a function (it may be async), got ${describe(factory)}. Expected:\n  ${EXPECTED}`,
      command,
    )
  }
  let value: unknown
  try {
    value = await factory()
  } catch (error) {
    throw failed(`the factory in ${name} threw`, error)
  }
  const problem = shapeProblem(value)
  if (problem) {
    // Whatever it did open must still be released, or the process would not exit.
    if (isObject(value) && typeof value.close === 'function') await value.close()
    throw new UsageError(
      `${name}: ${problem}. Expected the factory to return { sync, clerk, close }:\n  ${EXPECTED}`,
      command,
    )
  }
  return { ...(value as unknown as CliConfig), path }
}

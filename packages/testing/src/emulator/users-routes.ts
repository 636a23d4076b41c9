import type { ClerkUserFixture } from '../fixtures/clerk-user.js'
import { acceptsMetadataOnUpdate } from './api-version.js'
import { isPlainObject, type JsonObject, objectParam, rejectUnknownParams } from './body-params.js'
import { createUser } from './create-user.js'
import { countUsers, listUsers } from './list-users.js'
import { checkMetadataSize, deepMerge } from './metadata.js'
import { updateUser } from './update-user.js'
import type { UserDirectory } from './user-directory.js'

export type UserEventType = 'user.created' | 'user.updated' | 'user.deleted'

/** What a route sees of the request. */
export interface RouteRequest {
  method: string
  /** Path segments after `/v1`, e.g. `['users', 'user_123', 'metadata']`. */
  segments: string[]
  query: URLSearchParams
  body: JsonObject
  apiVersion: string
}

export interface RouteContext {
  directory: UserDirectory
  /** Emits a webhook event for a mutation, stamped `timestamp` (ms). */
  emit(type: UserEventType, data: object, timestamp: number): void
  jwks(): object
}

export type RouteResult = { status: number; body: unknown }
type Route = (request: RouteRequest, context: RouteContext) => RouteResult

const METADATA_FIELDS = ['public_metadata', 'private_metadata', 'unsafe_metadata'] as const
const METADATA_PARAMS = new Set<string>(METADATA_FIELDS)

function saveAndEmit(
  context: RouteContext,
  user: ClerkUserFixture,
  type: UserEventType,
): RouteResult {
  context.directory.put(user)
  context.emit(type, user, user.updated_at)
  return { status: 200, body: user }
}

function updateMetadata(request: RouteRequest, context: RouteContext, merge: boolean): RouteResult {
  const user = context.directory.require(request.segments[1]!)
  rejectUnknownParams(request.body, METADATA_PARAMS)
  const next = structuredClone(user) as ClerkUserFixture & Record<string, unknown>
  const fields: Record<string, unknown> = next
  for (const field of METADATA_FIELDS) {
    const value = objectParam(request.body, field)
    if (value === undefined) continue
    const current = isPlainObject(next[field]) ? (next[field] as JsonObject) : {}
    // PUT with null clears the field; the User schema allows null only for private_metadata.
    const replaced = value ?? (field === 'private_metadata' ? null : {})
    const updated = merge ? (value === null ? current : deepMerge(current, value)) : replaced
    checkMetadataSize(field, updated)
    fields[field] = updated
  }
  next.updated_at = context.directory.nextStamp(user.updated_at)
  return saveAndEmit(context, next, 'user.updated')
}

/** The Users endpoints of the Backend API, keyed `METHOD path-pattern` (`:id` = a user id). */
const routes: Record<string, Route> = {
  'GET jwks': (_request, context) => ({ status: 200, body: context.jwks() }),
  'GET users': (request, context) => ({
    status: 200,
    body: listUsers(context.directory, request.query),
  }),
  'GET users count': (request, context) => ({
    status: 200,
    body: {
      object: 'total_count',
      total_count: countUsers(context.directory, request.query),
    },
  }),
  'POST users': (request, context) => {
    const { user, passwordDigest } = createUser(request.body, context.directory)
    context.directory.setPasswordDigest(user.id, passwordDigest ?? null)
    return saveAndEmit(context, user, 'user.created')
  },
  'GET users :id': (request, context) => ({
    status: 200,
    body: context.directory.require(request.segments[1]!),
  }),
  'PATCH users :id': (request, context) => {
    const user = context.directory.require(request.segments[1]!)
    const legacy = acceptsMetadataOnUpdate(request.apiVersion)
    const updated = updateUser(user, request.body, context.directory, legacy)
    if (updated.passwordDigest !== undefined) {
      context.directory.setPasswordDigest(user.id, updated.passwordDigest)
    }
    return saveAndEmit(context, updated.user, 'user.updated')
  },
  'DELETE users :id': (request, context) => {
    const user = context.directory.require(request.segments[1]!)
    context.directory.delete(user.id)
    const deleted = { object: 'user', id: user.id, deleted: true }
    // The webhook's data adds `external_id` when the user had one (UserDeletedJSON).
    const data =
      typeof user.external_id === 'string' ? { ...deleted, external_id: user.external_id } : deleted
    context.emit('user.deleted', data, context.directory.nextStamp(user.updated_at))
    return { status: 200, body: deleted }
  },
  'PATCH users :id metadata': (request, context) => updateMetadata(request, context, true),
  'PUT users :id metadata': (request, context) => updateMetadata(request, context, false),
}

function routeKey(method: string, segments: string[]): string {
  const pattern = segments.map((segment, i) =>
    i === 1 && segments[0] === 'users' && segment !== 'count' ? ':id' : segment,
  )
  return [method, ...pattern].join(' ')
}

export function findRoute(method: string, segments: string[]): Route | undefined {
  return routes[routeKey(method, segments)]
}

/** Routes whose requests count against the rate limit: all but the JWKS (Clerk: "no limit"). */
export function isRateLimited(segments: string[]): boolean {
  return segments[0] !== 'jwks'
}

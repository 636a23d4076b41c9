import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'

/**
 * The app's roles, defined once and shared by the sync engine and the role manager, so the role
 * union (`'admin' | 'trainer' | 'client'` by default) types every result and helper.
 */
export interface RoleDefinition<R extends string = string> {
  readonly roles: readonly R[]
  /** Given to users whose `public_metadata.role` is absent or not one of `roles`. */
  readonly defaultRole: R
  /** The role the role manager guards: its last holder cannot be demoted. */
  readonly adminRole: R
  /** Narrows an unknown value to one of `roles`. */
  isRole(value: unknown): value is R
}

export interface RoleDefinitionInput<R extends string> {
  roles: readonly R[]
  defaultRole: NoInfer<R>
  adminRole: NoInfer<R>
}

/**
 * @example
 * const roles = defineRoles({ roles: ['owner', 'member'], defaultRole: 'member', adminRole: 'owner' })
 */
export function defineRoles<const R extends string>(
  input: RoleDefinitionInput<R>,
): RoleDefinition<R> {
  const { roles, defaultRole, adminRole } = input
  if (!Array.isArray(roles) || roles.length === 0) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'defineRoles: `roles` must list at least one role.',
    )
  }
  const seen = new Set<string>()
  for (const role of roles) {
    if (typeof role !== 'string' || role.trim() === '' || role !== role.trim()) {
      throw new ClerkSyncError(
        ErrorCode.CONFIG_INVALID,
        `defineRoles: every role must be a non-empty string without surrounding spaces, got ${JSON.stringify(role)}.`,
      )
    }
    if (seen.has(role)) {
      throw new ClerkSyncError(
        ErrorCode.CONFIG_INVALID,
        `defineRoles: role "${role}" is listed twice.`,
      )
    }
    seen.add(role)
  }
  for (const [name, value] of [
    ['defaultRole', defaultRole],
    ['adminRole', adminRole],
  ] as const) {
    if (!seen.has(value)) {
      throw new ClerkSyncError(
        ErrorCode.CONFIG_INVALID,
        `defineRoles: \`${name}\` "${String(value)}" is not one of the roles (${roles.join(', ')}).`,
      )
    }
  }
  const frozen = Object.freeze([...roles])
  return Object.freeze({
    roles: frozen,
    defaultRole,
    adminRole,
    isRole: (value: unknown): value is R => typeof value === 'string' && seen.has(value),
  })
}

/** The seed app's roles: `admin`, `trainer`, `client`; new users are `client`. */
export const defaultRoles = defineRoles({
  roles: ['admin', 'trainer', 'client'],
  defaultRole: 'client',
  adminRole: 'admin',
})

export type DefaultRole = (typeof defaultRoles.roles)[number]

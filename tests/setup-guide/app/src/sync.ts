// #region sync
import { createClerkSync, defineRoles } from '@clerk-sync/core'
import { drizzleStore } from '@clerk-sync/drizzle'
import { db } from './db.js'
import { users } from './schema.js'

// #region roles
// Stored in Clerk as public_metadata.role; a user without one gets defaultRole.
export const roles = defineRoles({
  roles: ['admin', 'member'],
  defaultRole: 'member',
  adminRole: 'admin',
})
// #endregion roles

// Writes into your own users table; unmapped columns are never touched. The signing secret comes
// from CLERK_WEBHOOK_SIGNING_SECRET (or pass `signingSecret`).
export const sync = createClerkSync({
  roles,
  store: drizzleStore(db, {
    users: {
      table: users,
      columns: {
        id: users.id,
        email: users.email,
        firstName: users.firstName,
        lastName: users.lastName,
        role: users.role,
        createdAt: users.createdAt,
        updatedAt: users.updatedAt,
      },
    },
  }),
})
// #endregion sync

import { createClerkClient } from '@clerk/backend'
import { createClerkSync, createRoleManager } from '@clerk-sync/core'
import { prismaStore } from '@clerk-sync/prisma'
import { prisma } from '@/lib/prisma'

// Reads CLERK_WEBHOOK_SIGNING_SECRET.
export const sync = createClerkSync({ store: prismaStore(prisma) })

export const roleManager = createRoleManager({
  // @clerk/backend ignores CLERK_API_URL; it is set only when talking to the local emulator.
  clerk: createClerkClient({
    secretKey: process.env.CLERK_SECRET_KEY,
    apiUrl: process.env.CLERK_API_URL,
  }),
  sync,
})

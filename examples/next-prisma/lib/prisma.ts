import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '@/generated/prisma/client'

// One client per server process. `next dev` re-evaluates modules on every change; keeping the
// client on globalThis stops each reload from opening another pool.
const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient }

function createPrismaClient(): PrismaClient {
  // Prisma's pg adapter expects UTC sessions (see @clerk-sync/prisma's README).
  const adapter = new PrismaPg({
    connectionString: process.env.DATABASE_URL,
    options: '-c TimeZone=UTC',
  })
  return new PrismaClient({ adapter })
}

export const prisma = globalForPrisma.prisma ?? createPrismaClient()
if (process.env.NODE_ENV !== 'production') globalForPrisma.prisma = prisma

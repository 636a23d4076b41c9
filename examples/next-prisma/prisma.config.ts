import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  // Read directly, not through env(): `prisma generate` needs no database and must work without it.
  datasource: { url: process.env.DATABASE_URL ?? '' },
})

// `pnpm test:chaos`: the convergence suite alone, at full size (2,000 users, 10,000 mutations per
// combination). `pnpm test` runs the same suite at CI size through vitest.config.ts.
import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['tests/chaos/**/*.test.ts'],
    env: { CLERK_SYNC_CHAOS_SIZE: 'full' },
  },
})

import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'
import rootConfig from '../../vitest.config.js'

/**
 * The repository's vitest config for scripts/node-majors.ts: the same resolution and timeouts,
 * plus this folder's runtime check, and without the global setup (it generates the Prisma test
 * clients, which the tests run on Node 22 and 24 do not use). It leaves out one test file: the
 * testing kit's check that its conformance suite catches 20 flawed stores, which runs that suite in
 * a child vitest for minutes and tests the kit's logic, not the runtime.
 */
export default defineConfig({
  ...rootConfig,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...rootConfig.test,
    include: [...(rootConfig.test?.include ?? []), 'scripts/node-majors/*.test.ts'],
    exclude: [
      ...(rootConfig.test?.exclude ?? configDefaults.exclude),
      'packages/testing/test/conformance-catches-flaws.test.ts',
    ],
    globalSetup: [],
  },
})

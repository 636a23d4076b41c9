import { fileURLToPath } from 'node:url'
import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

// Tests import workspace packages from their TypeScript sources through this export condition,
// so `pnpm test` needs no build for them (the packaging tests check the built files).
const conditions = ['@clerk-sync/source', ...defaultServerConditions]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@clerk-sync/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    globalSetup: [fileURLToPath(new URL('./test-support/global-setup.ts', import.meta.url))],
    // pg-boss 12 goes through Vite instead of Node's own loader: Vitest starts its workers with
    // `--conditions module` (from ssr.resolve.conditions), under which Node would load the bundler-only
    // "module" build of pg-boss's @opentelemetry/api (extensionless imports) and fail.
    server: { deps: { inline: [/\/pg-boss@12\./] } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Under CI a JSON report too, from which .ci/run prints its closing line. A vitest run that a
    // test starts itself (the Node 22 run) names its own file, so it never overwrites this one.
    reporters: process.env.CI
      ? [
          'default',
          ['json', { outputFile: process.env.CLERK_SYNC_TEST_REPORT ?? '.ci/test-report.json' }],
        ]
      : ['default'],
  },
})

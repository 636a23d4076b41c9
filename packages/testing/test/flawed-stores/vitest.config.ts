import { mergeConfig } from 'vitest/config'
import rootConfig from '../../../../vitest.config.js'

// Run only by conformance-catches-flaws.test.ts, in a child process.
const config = mergeConfig(rootConfig, {
  test: { root: import.meta.dirname, include: ['*.flawed.ts'] },
})
// The flawed stores need nothing generated; the parent run has done its global setup already.
config.test = { ...config.test, globalSetup: [] }

export default config

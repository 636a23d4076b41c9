import { mergeConfig } from 'vitest/config'
import rootConfig from '../../../../vitest.config.js'

// Run only by conformance-catches-flaws.test.ts, in a child process.
export default mergeConfig(rootConfig, {
  test: { root: import.meta.dirname, include: ['*.flawed.ts'] },
})

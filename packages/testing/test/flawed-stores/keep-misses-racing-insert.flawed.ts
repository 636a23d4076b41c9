import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'keep-misses-racing-insert',
  bulkSize: 500,
  setup: async () => flawedHarness('keep-misses-racing-insert'),
  setupWithDeletePolicy: async (policy) => flawedHarness('keep-misses-racing-insert', policy),
})

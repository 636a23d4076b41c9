import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'soft-deletes-row',
  bulkSize: 500,
  setup: async () => flawedHarness('soft-deletes-row'),
  setupWithDeletePolicy: async (policy) => flawedHarness('soft-deletes-row', policy),
})

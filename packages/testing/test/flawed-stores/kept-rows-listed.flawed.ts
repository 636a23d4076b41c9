import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'kept-rows-listed',
  bulkSize: 500,
  setup: async () => flawedHarness('kept-rows-listed'),
  setupWithDeletePolicy: async (policy) => flawedHarness('kept-rows-listed', policy),
})

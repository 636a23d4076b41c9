import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'bulk-repeats-ids',
  bulkSize: 500,
  setup: async () => flawedHarness('bulk-repeats-ids'),
})

import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'batch-not-atomic',
  bulkSize: 500,
  setup: async () => flawedHarness('batch-not-atomic'),
})

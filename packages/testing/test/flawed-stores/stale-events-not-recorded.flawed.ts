import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'stale-events-not-recorded',
  bulkSize: 500,
  setup: async () => flawedHarness('stale-events-not-recorded'),
})

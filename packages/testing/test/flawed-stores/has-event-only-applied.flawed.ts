import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'has-event-only-applied',
  bulkSize: 500,
  setup: async () => flawedHarness('has-event-only-applied'),
})

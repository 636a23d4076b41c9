import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'duplicates-do-not-wait',
  bulkSize: 500,
  setup: async () => flawedHarness('duplicates-do-not-wait'),
})

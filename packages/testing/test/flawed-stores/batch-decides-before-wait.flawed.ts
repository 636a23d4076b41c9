import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'batch-decides-before-wait',
  bulkSize: 500,
  setup: async () => flawedHarness('batch-decides-before-wait'),
})

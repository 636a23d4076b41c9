import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'upsert-decides-before-hold',
  bulkSize: 500,
  setup: async () => flawedHarness('upsert-decides-before-hold'),
})

import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'no-version-guard',
  bulkSize: 500,
  setup: async () => flawedHarness('no-version-guard'),
})

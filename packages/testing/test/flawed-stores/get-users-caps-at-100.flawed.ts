import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'get-users-caps-at-100',
  bulkSize: 500,
  setup: async () => flawedHarness('get-users-caps-at-100'),
})

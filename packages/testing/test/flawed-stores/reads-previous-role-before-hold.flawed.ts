import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'reads-previous-role-before-hold',
  bulkSize: 500,
  setup: async () => flawedHarness('reads-previous-role-before-hold'),
})

import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'mapped-fields-overclaims',
  bulkSize: 500,
  setup: async () => flawedHarness('mapped-fields-overclaims'),
})

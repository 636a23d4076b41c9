import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'anonymize-keeps-phone',
  bulkSize: 500,
  setup: async () => flawedHarness('anonymize-keeps-phone'),
  setupWithDeletePolicy: async (policy) => flawedHarness('anonymize-keeps-phone', policy),
})

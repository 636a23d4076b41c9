import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'records-event-before-effect',
  bulkSize: 500,
  setup: async () => flawedHarness('records-event-before-effect'),
})

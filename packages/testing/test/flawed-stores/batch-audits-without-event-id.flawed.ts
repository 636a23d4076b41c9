import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'batch-audits-without-event-id',
  bulkSize: 500,
  setup: async () => flawedHarness('batch-audits-without-event-id'),
})

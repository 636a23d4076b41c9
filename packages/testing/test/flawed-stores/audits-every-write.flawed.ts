import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'audits-every-write',
  bulkSize: 500,
  setup: async () => flawedHarness('audits-every-write'),
})

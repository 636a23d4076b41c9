import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'trusts-role-before-over-stored-role',
  bulkSize: 500,
  setup: async () => flawedHarness('trusts-role-before-over-stored-role'),
})

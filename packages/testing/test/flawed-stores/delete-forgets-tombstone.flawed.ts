import { storeConformance } from '@clerk-sync/testing/conformance'
import { flawedHarness } from './flawed-store.js'

storeConformance({
  name: 'delete-forgets-tombstone',
  bulkSize: 500,
  setup: async () => flawedHarness('delete-forgets-tombstone'),
})

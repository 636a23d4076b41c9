export type { ConformanceHarness, StoreConformanceOptions, StoreInspector } from './harness.js'
export { storeConformance } from './store-conformance.js'

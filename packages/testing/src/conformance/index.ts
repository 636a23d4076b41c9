export type {
  ConformanceHarness,
  HeldWrite,
  StoreConformanceOptions,
  StoreInspector,
} from './harness.js'
export { storeConformance } from './store-conformance.js'

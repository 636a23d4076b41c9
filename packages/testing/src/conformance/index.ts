export type {
  ConformanceHarness,
  HeldWrite,
  KeepingDeletePolicy,
  RawUserRow,
  StoreConformanceOptions,
  StoreInspector,
} from './harness.js'
export { storeConformance } from './store-conformance.js'

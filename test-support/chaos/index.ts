/**
 * The multi-process chaos harness: real server processes built as an app builds them, a
 * round-robin front proxy that can cut deliveries, a TCP fault proxy in front of the database,
 * SIGKILL and restart, and load through the emulator's Backend API. Reused by the benchmark and
 * queue work; `runScenario` is the convergence run of issue 11.
 */
export { type BuildOptions, buildChaosServer, type ServerBuild } from './build-server.js'
export { type FaultProxy, type OutageRecord, startFaultProxy } from './fault-proxy.js'
export { type Arrival, type Cut, type FrontProxy, startFrontProxy } from './front-proxy.js'
export { inspectStore, type StoreView } from './inspect-store.js'
export { type LoadOptions, type LoadResult, runLoad } from './load.js'
export { seededRandom } from './random.js'
export {
  type FaultsInjected,
  runScenario,
  type ScenarioOptions,
  type ScenarioReport,
  type StoreKind,
  summaryLine,
  timeScaleFor,
} from './scenario.js'
export { createScopedDatabase, type Dialect, type ScopedDatabase } from './scoped-database.js'
export { type ExitRecord, type FleetOptions, type ServerFleet, startFleet } from './server-fleet.js'
export { type Convergence, checkConvergence, countOutOfOrderPairs } from './verify.js'

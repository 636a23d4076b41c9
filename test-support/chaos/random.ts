// The emulator's seeded generator (mulberry32), so a run's own choices (which deliveries are cut,
// the load's picks) follow its seed the same way the emulator's chaos does.
export { seededRandom } from '../../packages/testing/src/emulator/random.js'

// Preloaded into a server a test starts (`node --import <this file> …`, see bound-child-process.ts):
// the server lives only as long as the test process that spawned it. That process holds our stdin
// pipe, which the OS closes when it ends however it ends (SIGKILL, a worker torn down, a hook that
// timed out before its cleanup). Then the server gets SIGTERM, as from Ctrl-C, so its own shutdown
// runs; should that not end it within the grace period, SIGKILL.
// Only the process the test spawned acts: BOUND_TO_PARENT_PID names its parent, and any process
// the server itself starts (which inherits --import) or a worker thread has another parent.
import { isMainThread } from 'node:worker_threads'

const GRACE_MS = 5_000

if (isMainThread && process.env.BOUND_TO_PARENT_PID === String(process.ppid)) {
  delete process.env.BOUND_TO_PARENT_PID
  const parentGone = () => {
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), GRACE_MS).unref()
    process.kill(process.pid, 'SIGTERM')
  }
  process.stdin.once('end', parentGone)
  process.stdin.once('error', parentGone)
  process.stdin.resume()
  // The pipe alone must not keep a server alive that would otherwise exit.
  process.stdin.unref?.()
}

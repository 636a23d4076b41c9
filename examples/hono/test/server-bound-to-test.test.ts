/**
 * The e2e test's server (test-support/example-server.ts) must not outlive the test process: a
 * stand-in for it starts the server, is SIGKILLed (no stop(), no afterAll), and the server's own
 * process and its port must be gone within the grace period.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const tsxLoader = createRequire(`${appDir}package.json`).resolve('tsx')
const standIn = fileURLToPath(new URL('./fixtures/start-server-and-wait.ts', import.meta.url))

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

it('stops the server, freeing its port, when the test process is SIGKILLed', async () => {
  const testProcess = spawn(
    process.execPath,
    ['--import', tsxLoader, '--conditions=@clerk-sync/source', standIn],
    { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  testProcess.stderr.on('data', (chunk) => (stderr += chunk))
  const started = await new Promise<{ pid: number; url: string }>((resolve, reject) => {
    testProcess.stdout.on('data', (chunk) => {
      stdout += chunk
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'))
      if (line) resolve(JSON.parse(line))
    })
    testProcess.once('exit', (code) => reject(new Error(`stand-in exited ${code}:\n${stderr}`)))
  })
  try {
    expect(alive(started.pid)).toBe(true)
    // The server answers (any status): it is the one listening.
    expect((await fetch(`${started.url}/api/webhooks`, { method: 'POST' })).status).toBeLessThan(
      500,
    )
    testProcess.kill('SIGKILL')
    const deadline = Date.now() + 10_000
    while (alive(started.pid) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100))
    expect(alive(started.pid), `server ${started.pid} outlived the test process`).toBe(false)
    await expect(fetch(`${started.url}/api/webhooks`, { method: 'POST' })).rejects.toThrow()
  } finally {
    testProcess.kill('SIGKILL')
    if (alive(started.pid)) process.kill(started.pid, 'SIGKILL')
  }
}, 60_000)

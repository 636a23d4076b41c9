import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClerkClient, verifyToken } from '@clerk/backend'
import {
  type ClerkEmulator,
  EmulatorStateError,
  sessionTokenFromState,
  startClerkEmulator,
} from '@clerk-sync/testing/emulator'
import { afterEach, describe, expect, it } from 'vitest'

const folder = () => mkdtempSync(join(tmpdir(), 'clerk-emulator-state-'))

/** Resolves once `check()` holds; the state file is written shortly after each change. */
async function eventually(check: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('startClerkEmulator({ statePath })', () => {
  const running: ClerkEmulator[] = []
  const start = async (options: Parameters<typeof startClerkEmulator>[0]) => {
    const clerk = await startClerkEmulator(options)
    running.push(clerk)
    return clerk
  }
  afterEach(async () => {
    await Promise.all(running.splice(0).map((clerk) => clerk.close()))
  })

  it('keeps keys, signing secret, URLs and users across a restart', async () => {
    const statePath = join(folder(), 'emulator.json')
    const first = await start({ statePath })
    expect(first.state).toEqual({ path: statePath, restored: false, previousPort: undefined })
    const api = createClerkClient({ apiUrl: first.apiUrl, secretKey: first.secretKey })
    const seeded = first.seedUsers([{ emails: ['old@example.com'], createdAt: 1_600_000_000_000 }])
    const ada = await api.users.createUser({
      emailAddress: ['ada@example.com'],
      firstName: 'Ada',
      publicMetadata: { role: 'trainer' },
      passwordDigest: '$2b$10$abcdefghijklmnopqrstuu5Bq7jFv8x6v2RtnDzLqMcXW3Y1Hq8m2',
      passwordHasher: 'bcrypt',
    })
    const gone = await api.users.createUser({ emailAddress: ['gone@example.com'] })
    await api.users.deleteUser(gone.id)
    const token = first.sessionToken(ada.id)
    await first.close()

    const second = await start({ statePath })
    expect(second.state).toMatchObject({
      restored: true,
      previousPort: Number(new URL(first.apiUrl).port),
    })
    // The port (so apiUrl, publishableKey, frontendApi) may have been taken by another test
    // worker in the meantime: the next test covers it.
    for (const key of ['secretKey', 'jwtKey', 'signingSecret', 'instanceId'] as const) {
      expect(second[key], key).toBe(first[key])
    }
    expect(second.users().map((user) => user.id)).toEqual([seeded[0]!.id, ada.id])
    expect(second.user(ada.id)).toMatchObject({
      first_name: 'Ada',
      public_metadata: { role: 'trainer' },
    })
    expect(second.user(gone.id)).toBeUndefined()
    expect(second.passwordDigest(ada.id)).toEqual({
      digest: '$2b$10$abcdefghijklmnopqrstuu5Bq7jFv8x6v2RtnDzLqMcXW3Y1Hq8m2',
      hasher: 'bcrypt',
    })
    // A token from before the restart still verifies: the app's CLERK_JWT_KEY stays right.
    expect((await verifyToken(token, { jwtKey: second.jwtKey })).sub).toBe(ada.id)
    // The Backend API has the restored users, identifiers still unique.
    const api2 = createClerkClient({ apiUrl: second.apiUrl, secretKey: second.secretKey })
    expect((await api2.users.getUser(ada.id)).firstName).toBe('Ada')
    await expect(
      api2.users.createUser({ emailAddress: ['ada@example.com'] }),
    ).rejects.toMatchObject({
      errors: [expect.objectContaining({ code: 'form_identifier_exists' })],
    })
  })

  it('listens on the last run’s port again when it is free: same URLs and publishable key', async () => {
    // Between close() and the restart another test worker may take the freed port (the
    // documented answer is then another port, covered below): a few tries, one must keep it.
    for (let attempt = 1; ; attempt++) {
      const statePath = join(folder(), 'emulator.json')
      const first = await startClerkEmulator({ statePath })
      await first.close()
      const second = await startClerkEmulator({ statePath })
      const samePort = second.apiUrl === first.apiUrl
      try {
        expect(second.state?.previousPort).toBe(Number(new URL(first.apiUrl).port))
        if (samePort) {
          expect(second.publishableKey).toBe(first.publishableKey)
          expect(second.frontendApi).toBe(first.frontendApi)
          expect(second.signInUrl).toBe(first.signInUrl)
        }
      } finally {
        await second.close()
      }
      if (samePort) return
      if (attempt === 3) throw new Error('three restarts in a row listened on another port')
    }
  })

  it('writes the file atomically with mode 0600 soon after each change, not only at close', async () => {
    const dir = folder()
    const statePath = join(dir, 'emulator.json')
    const clerk = await start({ statePath })
    // Written at start, so a path that cannot be written fails there.
    expect(existsSync(statePath)).toBe(true)
    const api = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const { id } = await api.users.createUser({ emailAddress: ['soon@example.com'] })
    await eventually(() => readFileSync(statePath, 'utf8').includes(id), 'the new user in the file')
    await api.users.updateUserMetadata(id, { publicMetadata: { role: 'admin' } })
    await eventually(
      () => JSON.parse(readFileSync(statePath, 'utf8')).users[0].public_metadata.role === 'admin',
      'the metadata change in the file',
    )
    expect(statSync(statePath).mode & 0o777).toBe(0o600)
    // Nothing but the file itself and its lock: each temporary file was renamed over it.
    expect(readdirSync(dir).sort()).toEqual(['emulator.json', 'emulator.json.lock'])
    const saved = JSON.parse(readFileSync(statePath, 'utf8'))
    expect(saved).toMatchObject({
      kind: 'clerk-sync-emulator-state',
      version: 1,
      instanceId: clerk.instanceId,
      secretKey: clerk.secretKey,
      signingSecret: clerk.signingSecret,
      privateKey: expect.stringMatching(/^-----BEGIN PRIVATE KEY-----/),
    })
  })

  it('flushes a change made just before close()', async () => {
    const statePath = join(folder(), 'emulator.json')
    const clerk = await start({ statePath })
    const [user] = clerk.seedUsers([{ emails: ['last@example.com'] }])
    await clerk.close()
    expect(
      JSON.parse(readFileSync(statePath, 'utf8')).users.map((u: { id: string }) => u.id),
    ).toEqual([user!.id])
  })

  it('lets signingSecret and secretKey given at start win over the file', async () => {
    const statePath = join(folder(), 'emulator.json')
    const first = await start({ statePath })
    await first.close()
    const second = await start({
      statePath,
      signingSecret: 'whsec_c2Vjb25kLXNlY3JldC1zZWNvbmQtc2VjcmV0',
      secretKey: 'sk_test_given',
    })
    expect(second.signingSecret).toBe('whsec_c2Vjb25kLXNlY3JldC1zZWNvbmQtc2VjcmV0')
    expect(second.secretKey).toBe('sk_test_given')
    expect(second.jwtKey).toBe(first.jwtKey)
    await second.close()
    expect(JSON.parse(readFileSync(statePath, 'utf8')).secretKey).toBe('sk_test_given')
  })

  it('takes a free port when the last one is taken, and says which it was', async () => {
    const statePath = join(folder(), 'emulator.json')
    const first = await start({ statePath })
    await first.close()
    // Held from the start, not freed and taken again (another test worker could win that race):
    // the file says the last run listened on the squatter's port.
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    const previousPort = (squatter.address() as { port: number }).port
    const saved = JSON.parse(readFileSync(statePath, 'utf8'))
    writeFileSync(statePath, JSON.stringify({ ...saved, port: previousPort }))
    try {
      const second = await start({ statePath })
      expect(second.state?.previousPort).toBe(previousPort)
      expect(Number(new URL(second.apiUrl).port)).not.toBe(previousPort)
      expect(second.jwtKey).toBe(first.jwtKey)
    } finally {
      await new Promise((resolve) => squatter.close(resolve))
    }
  })

  it.each([
    ['not JSON', '{"kind": "clerk-sync-emulator-state", "vers', /is not valid JSON/],
    ['empty', '', /is not valid JSON/],
    ['another file', '{"name": "my-app"}', /not an emulator state file/],
    [
      'a newer version',
      '{"kind": "clerk-sync-emulator-state", "version": 2}',
      /has version 2; this clerk-sync reads version 1 \(the file was written by a newer clerk-sync/,
    ],
  ])(
    'refuses a file that is %s, naming it and what to do, and leaves it alone',
    async (_, text, pattern) => {
      const statePath = join(folder(), 'emulator.json')
      writeFileSync(statePath, text)
      const error = await startClerkEmulator({ statePath }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(EmulatorStateError)
      expect((error as EmulatorStateError).path).toBe(statePath)
      expect((error as Error).message).toContain(statePath)
      expect((error as Error).message).toMatch(pattern)
      expect((error as Error).message).toMatch(/Move it away \(or delete it\)/)
      expect(readFileSync(statePath, 'utf8')).toBe(text)
    },
  )

  it('refuses a file whose fields were damaged', async () => {
    const statePath = join(folder(), 'emulator.json')
    const clerk = await start({ statePath })
    clerk.seedUsers([{ emails: ['a@example.com'] }, { emails: ['b@example.com'] }])
    await clerk.close()
    const good = JSON.parse(readFileSync(statePath, 'utf8'))
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ privateKey: 'nope' }, /privateKey is not a PEM private key/],
      [{ secretKey: 'pk_test_x' }, /"secretKey" is not an sk_test_… key/],
      [{ users: {} }, /"users" is not a list/],
      [
        { users: [{ id: 'user_1' }] },
        /users\[0\] \(user_1\): object is missing; it should be a string/,
      ],
      [
        { users: [good.users[0], { ...good.users[1], email_addresses: undefined }] },
        new RegExp(
          `users\\[1\\] \\(${good.users[1].id}\\): email_addresses is missing; it should be a list`,
        ),
      ],
      [
        { users: [{ ...good.users[0], email_addresses: 'a@example.com' }] },
        /users\[0\] \(user_\w+\): email_addresses is "a@example.com"; it should be a list/,
      ],
      [
        { users: [{ ...good.users[0], email_addresses: [{ id: 'idn_1' }] }] },
        /users\[0\] \(user_\w+\): email_addresses\[0\] needs a string id and email_address/,
      ],
      [
        { users: [{ ...good.users[0], username: 42 }] },
        /users\[0\] \(user_\w+\): username is 42; it should be a string or null/,
      ],
      [
        { users: [{ ...good.users[0], public_metadata: [] }] },
        /users\[0\] \(user_\w+\): public_metadata is \[\]; it should be an object/,
      ],
      [{ users: [null] }, /users\[0\]: it is not an object/],
      [{ users: [good.users[0], good.users[0]] }, /its users clash/],
    ]
    for (const [change, pattern] of cases) {
      writeFileSync(statePath, JSON.stringify({ ...good, ...change }))
      await expect(startClerkEmulator({ statePath })).rejects.toThrow(pattern)
    }
  })

  it('refuses a second emulator on the same file, naming the pid; a later one starts after close()', async () => {
    const statePath = join(folder(), 'emulator.json')
    const first = await start({ statePath })
    expect(readFileSync(`${statePath}.lock`, 'utf8').trim()).toBe(String(process.pid))
    const error = await startClerkEmulator({ statePath }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmulatorStateError)
    expect((error as Error).message).toContain(
      `another emulator (pid ${process.pid}, this process) is using the state file ${statePath}`,
    )
    await first.close()
    expect(existsSync(`${statePath}.lock`)).toBe(false)
    const second = await start({ statePath })
    expect(second.state?.restored).toBe(true)
  })

  it('refuses a file another live process holds the lock of, and takes over a dead one’s', async () => {
    const statePath = join(folder(), 'emulator.json')
    // A process that is alive while the test runs, holding the lock as another emulator would.
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], {
      stdio: 'ignore',
    })
    try {
      writeFileSync(`${statePath}.lock`, `${holder.pid}\n`)
      const refused = await startClerkEmulator({ statePath }).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(EmulatorStateError)
      expect((refused as Error).message).toMatch(
        new RegExp(`another emulator \\(pid ${holder.pid}\\) is using the state file`),
      )
      expect(readFileSync(`${statePath}.lock`, 'utf8').trim()).toBe(String(holder.pid))
    } finally {
      holder.kill('SIGKILL')
      await new Promise((resolve) => holder.once('exit', resolve))
    }
    // The same lock, its process gone (as after a SIGKILL): taken over.
    const clerk = await start({ statePath })
    expect(readFileSync(`${statePath}.lock`, 'utf8').trim()).toBe(String(process.pid))
    await clerk.close()
    expect(existsSync(`${statePath}.lock`)).toBe(false)
  })

  it('fails at start when the file cannot be written', async () => {
    const statePath = join(folder(), 'missing-folder', 'emulator.json')
    const error = await startClerkEmulator({ statePath }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmulatorStateError)
    expect((error as Error).message).toMatch(/cannot write the emulator state file .*ENOENT/)
  })
})

describe('sessionTokenFromState', () => {
  it('signs offline a token the running emulator’s key verifies, for users in the file only', async () => {
    const statePath = join(folder(), 'emulator.json')
    const clerk = await startClerkEmulator({ statePath })
    try {
      const [user] = clerk.seedUsers([{ emails: ['offline@example.com'] }])
      await eventually(() => readFileSync(statePath, 'utf8').includes(user!.id), 'the user saved')
      const token = sessionTokenFromState(statePath, user!.id, { metadata: { role: 'admin' } })
      const payload = await verifyToken(token!, { jwtKey: clerk.jwtKey })
      expect(payload).toMatchObject({
        sub: user!.id,
        iss: clerk.frontendApiUrl,
        metadata: { role: 'admin' },
      })
      expect(sessionTokenFromState(statePath, 'user_unknown')).toBeUndefined()
    } finally {
      await clerk.close()
    }
    expect(() => sessionTokenFromState(join(folder(), 'none.json'), 'user_x')).toThrow(
      /there is no emulator state file at .*none\.json/,
    )
  })
})

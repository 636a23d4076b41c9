import { Writable } from 'node:stream'
import { consoleLogger, createClerkSync, MemoryStore } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  userDeletedEvent,
} from '@clerk-sync/testing'
import pino from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deliver, setupSync } from './helpers.js'

describe('logging', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('writes one [clerk-sync] console line per event by default, and drops debug', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {})
    const secret = generateSigningSecret()
    const sync = createClerkSync({ signingSecret: secret, store: new MemoryStore() })
    const user = clerkUser()
    await deliver(sync, userCreatedEvent(user), { secret, id: 'msg_log' })
    expect(info).toHaveBeenCalledTimes(1)
    expect(info.mock.calls[0]![0]).toBe(
      `[clerk-sync] User ${user.id} created in database eventId=msg_log eventType=user.created userId=${user.id} outcome=applied status=200`,
    )
    consoleLogger().debug('hidden')
    expect(debug).not.toHaveBeenCalled()
    consoleLogger('debug').debug('shown')
    expect(debug).toHaveBeenCalledWith('[clerk-sync] shown')
  })

  it('logs verification failures in the seed wording at warn', async () => {
    const { sync, log } = setupSync()
    await sync.processWebhook({ body: '{}', headers: {} })
    expect(log.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message:
          'Error verifying webhook: Missing or empty webhook headers: svix-id, svix-timestamp, svix-signature',
      }),
    ])
  })

  it('works with pino as the logger', async () => {
    const lines: Array<Record<string, unknown>> = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)))
        done()
      },
    })
    const secret = generateSigningSecret()
    const sync = createClerkSync({
      signingSecret: secret,
      store: new MemoryStore(),
      logger: pino(stream),
    })
    const user = clerkUser()
    await deliver(sync, userCreatedEvent(user), { secret })
    await deliver(sync, userDeletedEvent(user.id), { secret })
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, `User ${user.id} created in database`],
      [30, `User ${user.id} deleted from database`],
    ])
  })

  it('logs only the first line of a store error, with emails masked and the driver code', async () => {
    const driverError = Object.assign(
      new Error('duplicate key value violates unique constraint "users_email_key"'),
      { code: '23505' },
    )
    const wrapped = new Error(
      'Failed query: insert into "users" ("id", "email") values ($1, $2)\nparams: user_1,secret.person@example.com',
      { cause: driverError },
    )
    const mysqlStyle = new Error("Duplicate entry 'secret.person@example.com' for key 'email'")
    for (const error of [wrapped, mysqlStyle]) {
      const setup = setupSync({ memory: { beforeCommit: () => Promise.reject(error) } })
      const result = await deliver(setup.sync, userCreatedEvent(clerkUser()), {
        secret: setup.secret,
      })
      expect(result.status).toBe(500)
      expect(setup.log.text()).not.toContain('secret.person')
      expect(setup.log.text()).not.toContain('params')
    }
    const setup = setupSync({ memory: { beforeCommit: () => Promise.reject(wrapped) } })
    const result = await deliver(setup.sync, userCreatedEvent(clerkUser()), {
      secret: setup.secret,
    })
    expect(result.message).toContain(
      'Failed query: insert into "users" ("id", "email") values ($1, $2) (23505)',
    )
  })

  it('quotes control characters so one event stays one line', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    consoleLogger().info('event', { eventId: 'a\nb\u001b[31m' })
    expect(info.mock.calls[0]![0]).toBe('[clerk-sync] event eventId="a\\nb\\u001b[31m"')
  })

  it('never logs the secret, signatures, emails or payloads, whatever happens', async () => {
    let fail = false
    const setup = setupSync({
      memory: {
        beforeCommit() {
          if (fail) throw new Error('db down')
        },
      },
    })
    const user = clerkUser({
      emails: ['private.person@example.com'],
      phones: ['+15555550123'],
      role: 'nonsense',
    })
    const body = JSON.stringify(userCreatedEvent(user))
    const signed = signWebhook({ secret: setup.secret, body })
    await setup.sync.processWebhook({ body, headers: signed })
    await setup.sync.processWebhook({ body, headers: signed })
    await setup.sync.processWebhook({ body: body.replace('private', 'public'), headers: signed })
    await setup.sync.processWebhook({
      body: 'not json',
      headers: signWebhook({ secret: setup.secret, body: 'not json' }),
    })
    fail = true
    await deliver(
      setup.sync,
      userCreatedEvent(clerkUser({ emails: ['another.person@example.com'] })),
      { secret: setup.secret },
    )
    const text = setup.log.text()
    expect(setup.log.lines.length).toBeGreaterThanOrEqual(5)
    for (const secretish of [
      setup.secret,
      setup.secret.slice(6),
      signed['svix-signature'].slice(3),
      'private.person',
      'another.person',
      '+15555550123',
      body.slice(0, 40),
    ]) {
      expect(text).not.toContain(secretish)
    }
  })
})

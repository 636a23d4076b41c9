import { ErrorCode, type WebhookResult } from '@clerk-sync/core'
import {
  clerkEvent,
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  userDeletedEvent,
  userUpdatedEvent,
} from '@clerk-sync/testing'
import { describe, expect, it } from 'vitest'
import { deliver, setupSync } from './helpers.js'

const T = Date.UTC(2026, 5, 1)

/**
 * One test per row of the answers table. Every request is signed for real with an independent
 * HMAC signer; the verifier is never mocked.
 */
describe('webhook answers', () => {
  describe('200 applied', () => {
    it('writes a verified user.created and says so in the seed wording', async () => {
      const { sync, store, secret, log } = setupSync()
      const user = clerkUser({ emails: ['ada@example.com'], role: 'trainer', updatedAt: T })
      const result = await deliver(sync, userCreatedEvent(user), { secret, id: 'msg_created1' })
      expect(result).toMatchObject({
        status: 200,
        outcome: 'applied',
        eventId: 'msg_created1',
        eventType: 'user.created',
        userId: user.id,
        role: 'trainer',
        previousRole: null,
        message: `User ${user.id} created in database`,
      })
      expect(await store.getUser(user.id)).toMatchObject({
        email: 'ada@example.com',
        role: 'trainer',
      })
      expect(log.lines).toEqual([
        expect.objectContaining({ level: 'info', message: `User ${user.id} created in database` }),
      ])
    })

    it('creates the user when user.updated arrives for an unknown id', async () => {
      const { sync, store, secret } = setupSync()
      const user = clerkUser({ updatedAt: T })
      const result = await deliver(sync, userUpdatedEvent(user), { secret })
      expect(result).toMatchObject({
        status: 200,
        outcome: 'applied',
        message: `User ${user.id} created in database`,
      })
      expect(await store.getUser(user.id)).not.toBeNull()
    })

    it('updates a known user and reports a role change', async () => {
      const { sync, store, secret } = setupSync()
      const user = clerkUser({ updatedAt: T })
      await deliver(sync, userCreatedEvent(user), { secret })
      const promoted = { ...user, public_metadata: { role: 'admin' }, updated_at: T + 1000 }
      const result = await deliver(sync, userUpdatedEvent(promoted), { secret })
      expect(result).toMatchObject({ outcome: 'applied', role: 'admin', previousRole: 'client' })
      expect(result.message).toBe(`User ${user.id} updated in database; role client → admin`)
      const audit = await store.listAuditEntries({ userId: user.id })
      expect(audit.entries).toEqual([
        expect.objectContaining({
          fromRole: 'client',
          toRole: 'admin',
          source: 'webhook',
          actor: null,
          eventId: result.eventId,
        }),
      ])
    })

    it('deletes a user, and records a tombstone for a user never seen', async () => {
      const { sync, store, secret } = setupSync()
      const user = clerkUser({ updatedAt: T })
      await deliver(sync, userCreatedEvent(user), { secret })
      const deleted = await deliver(sync, userDeletedEvent(user.id, { timestamp: T + 5 }), {
        secret,
      })
      expect(deleted).toMatchObject({
        status: 200,
        outcome: 'applied',
        message: `User ${user.id} deleted from database`,
      })
      expect(await store.getUser(user.id)).toBeNull()

      const stranger = 'user_neverseen'
      const unknown = await deliver(sync, userDeletedEvent(stranger), { secret })
      expect(unknown).toMatchObject({ status: 200, outcome: 'applied', userId: stranger })
      expect(store.snapshot().syncState.get(stranger)?.deletedAt).toBeInstanceOf(Date)
    })

    it('syncs Clerk’s own published payloads', async () => {
      const { sync, store, secret } = setupSync()
      const { default: docsCreated } = await import(
        '../../testing/reference/docs-user.created.json'
      )
      const { default: specUpdated } = await import(
        '../../testing/reference/spec-user.updated.json'
      )
      const { default: specDeleted } = await import(
        '../../testing/reference/spec-user.deleted.json'
      )
      expect(await deliver(sync, docsCreated, { secret })).toMatchObject({
        status: 200,
        outcome: 'applied',
      })
      expect(await store.getUser('user_29w83sxmDNGwOuEthce5gg56FcC')).toMatchObject({
        email: 'example@example.org',
        firstName: 'Example',
        role: 'client',
        createdAt: new Date(1654012591514),
        updatedAt: new Date(1654012591835),
      })
      expect(await deliver(sync, specUpdated, { secret })).toMatchObject({
        outcome: 'applied',
        userId: 'user_2g7np7Hrk0SN6kj5EDMLDaKNL0S',
      })
      const deleted = await deliver(sync, specDeleted, { secret })
      expect(deleted).toMatchObject({ outcome: 'applied', eventType: 'user.deleted' })
      // A real (millisecond) envelope timestamp is kept as is.
      const other = clerkUser({ updatedAt: T })
      await deliver(sync, userCreatedEvent(other), { secret })
      await deliver(sync, userDeletedEvent(other.id, { timestamp: T + 1234 }), { secret })
      expect(store.snapshot().syncState.get(other.id)?.deletedAt).toEqual(new Date(T + 1234))
      // The spec's envelope timestamp is in seconds; it is normalised to ms.
      expect(store.snapshot().syncState.get('user_2g7np7Hrk0SN6kj5EDMLDaKNL0S')?.deletedAt).toEqual(
        new Date(1716883200 * 1000),
      )
    })
  })

  describe('200 duplicate', () => {
    it('answers a retry of the same svix-id (fresh timestamp and signature) as duplicate', async () => {
      const { sync, store, secret } = setupSync()
      const user = clerkUser({ updatedAt: T })
      const event = userCreatedEvent(user)
      const now = Math.floor(Date.now() / 1000)
      await deliver(sync, event, { secret, id: 'msg_retry', timestamp: now - 10 })
      const before = store.snapshot()
      const retry = await deliver(sync, event, { secret, id: 'msg_retry', timestamp: now })
      expect(retry).toMatchObject({
        status: 200,
        outcome: 'duplicate',
        message: 'Event msg_retry already processed; skipped',
      })
      expect(store.snapshot()).toEqual(before)
    })

    it('answers exactly one of 25 concurrent deliveries as applied', async () => {
      const { sync, store, secret } = setupSync()
      const user = clerkUser({ updatedAt: T })
      const event = userCreatedEvent(user)
      const results = await Promise.all(
        Array.from({ length: 25 }, () => deliver(sync, event, { secret, id: 'msg_flood' })),
      )
      expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1)
      expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(24)
      expect(results.every((r) => r.status === 200)).toBe(true)
      expect(store.snapshot().users.size).toBe(1)
    })
  })

  describe('200 stale', () => {
    it('skips an update older than the stored updated_at', async () => {
      const { sync, store, secret } = setupSync()
      const user = clerkUser({ firstName: 'New', updatedAt: T + 10 })
      await deliver(sync, userUpdatedEvent(user), { secret })
      const before = store.snapshot().users
      const old = await deliver(
        sync,
        userUpdatedEvent({ ...user, first_name: 'Old', updated_at: T }),
        { secret },
      )
      expect(old).toMatchObject({ status: 200, outcome: 'stale' })
      expect(store.snapshot().users).toEqual(before)
    })

    it('skips an update that arrives after a newer delete, whatever its timestamp', async () => {
      const { sync, store, secret } = setupSync()
      const user = clerkUser({ updatedAt: T })
      await deliver(sync, userDeletedEvent(user.id, { timestamp: T }), { secret })
      const late = await deliver(sync, userUpdatedEvent({ ...user, updated_at: T + 1_000_000 }), {
        secret,
      })
      expect(late).toMatchObject({ status: 200, outcome: 'stale' })
      expect(await store.getUser(user.id)).toBeNull()
    })
  })

  describe('200 ignored', () => {
    it('acknowledges event types it does not handle and writes nothing', async () => {
      const { sync, store, secret } = setupSync()
      const { default: session } = await import('../../testing/reference/spec-session.created.json')
      const before = store.snapshot()
      for (const payload of [
        session,
        clerkEvent('organization.created', { id: 'org_1' }),
        clerkEvent('user.banned', { id: 'user_1' }),
      ]) {
        const result = await deliver(sync, payload, { secret })
        expect(result).toMatchObject({ status: 200, outcome: 'ignored' })
      }
      expect(store.snapshot()).toEqual(before)
    })
  })

  describe('405 rejected', () => {
    it('answers anything but POST with 405 and Allow: POST', async () => {
      const { sync, store } = setupSync()
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const response = await sync.handleWebhook(
          new Request('http://localhost/api/webhooks', { method }),
        )
        expect(response.status).toBe(405)
        expect(response.headers.get('allow')).toBe('POST')
        expect(await response.json()).toMatchObject({
          outcome: 'rejected',
          code: ErrorCode.METHOD_NOT_ALLOWED,
        })
      }
      const result = await sync.processWebhook({ method: 'GET', body: '', headers: {} })
      expect(result).toMatchObject({ status: 405, outcome: 'rejected' })
      expect(store.snapshot().events.size).toBe(0)
    })
  })

  describe('400 or 422 rejected, nothing written', () => {
    const user = clerkUser({ updatedAt: T })
    const body = JSON.stringify(userCreatedEvent(user))

    async function expectRejected(
      setup: ReturnType<typeof setupSync>,
      headers: Record<string, string | string[] | undefined>,
      code: string,
      payload = body,
    ): Promise<WebhookResult> {
      const before = setup.store.snapshot()
      const result = await setup.sync.processWebhook({ body: payload, headers })
      // Signed but unusable is 422, so Svix keeps retrying it; anything unverified is 400.
      const status =
        code === ErrorCode.BODY_NOT_JSON || code === ErrorCode.EVENT_INVALID ? 422 : 400
      expect(result).toMatchObject({ status, outcome: 'rejected', code })
      expect(setup.store.snapshot()).toEqual(before)
      return result
    }

    it.each(['svix-id', 'svix-timestamp', 'svix-signature'])(
      'rejects a request without %s',
      async (name) => {
        const setup = setupSync()
        const headers: Record<string, string | undefined> = {
          ...signWebhook({ secret: setup.secret, body }),
        }
        delete headers[name]
        const result = await expectRejected(setup, headers, ErrorCode.HEADERS_INVALID)
        expect(result.message).toContain(name)
      },
    )

    it('rejects blank svix headers', async () => {
      const setup = setupSync()
      await expectRejected(
        setup,
        { ...signWebhook({ secret: setup.secret, body }), 'svix-id': '   ' },
        ErrorCode.HEADERS_INVALID,
      )
    })

    it('rejects an array-valued svix header (a header sent twice)', async () => {
      const setup = setupSync()
      const signed = signWebhook({ secret: setup.secret, body })
      const result = await expectRejected(
        setup,
        { ...signed, 'svix-signature': [signed['svix-signature'], 'v1,abc'] },
        ErrorCode.HEADERS_INVALID,
      )
      expect(result.message).toBe('Header svix-signature was sent more than once')
    })

    it('rejects a header sent twice and merged by the runtime into one value', async () => {
      const setup = setupSync()
      const signed = signWebhook({ secret: setup.secret, body })
      const headers = new Headers(signed)
      headers.append('svix-signature', 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')
      expect(headers.get('svix-signature')).toContain(', v1,')
      await expectRejected(setup, Object.fromEntries(headers), ErrorCode.HEADERS_INVALID)
      const twiceId = { ...signed, 'svix-id': `${signed['svix-id']}, msg_other` }
      await expectRejected(setup, twiceId, ErrorCode.HEADERS_INVALID)
    })

    it('rejects two keys that differ only in case', async () => {
      const setup = setupSync()
      const signed = signWebhook({ secret: setup.secret, body })
      await expectRejected(
        setup,
        { ...signed, 'SVIX-SIGNATURE': 'v1,junk' },
        ErrorCode.HEADERS_INVALID,
      )
    })

    it.each([['msg\u001b[31mred'], ['x'.repeat(256)], ['msg id with spaces']])(
      'rejects svix-id %j, which is not a Svix id',
      async (id) => {
        const setup = setupSync()
        const result = await expectRejected(
          setup,
          signWebhook({ secret: setup.secret, body, id }),
          ErrorCode.HEADERS_INVALID,
        )
        expect(result.eventId).toBeUndefined()
      },
    )

    it.each(['12abc', '1.7e9', '-1700000000', ' ', '0x6553f100', '0'])(
      'rejects svix-timestamp %j, which is not all digits',
      async (timestamp) => {
        const setup = setupSync()
        const signed = signWebhook({ secret: setup.secret, body })
        await expectRejected(
          setup,
          { ...signed, 'svix-timestamp': timestamp },
          timestamp.trim() ? ErrorCode.TIMESTAMP_INVALID : ErrorCode.HEADERS_INVALID,
        )
      },
    )

    it.each([
      ['too old', -301],
      ['in the future', 301],
    ])('rejects a correctly signed timestamp %s', async (_, offset) => {
      const setup = setupSync()
      const timestamp = Math.floor(Date.now() / 1000) + offset
      const result = await expectRejected(
        setup,
        signWebhook({ secret: setup.secret, body, timestamp }),
        ErrorCode.TIMESTAMP_INVALID,
      )
      expect(result.message).toMatch(/outside the 300s tolerance/)
    })

    it('tightens the window with a smaller toleranceSeconds', async () => {
      const setup = setupSync({ toleranceSeconds: 30 })
      const timestamp = Math.floor(Date.now() / 1000) - 31
      await expectRejected(
        setup,
        signWebhook({ secret: setup.secret, body, timestamp }),
        ErrorCode.TIMESTAMP_INVALID,
      )
      const inside = await setup.sync.processWebhook({
        body,
        headers: signWebhook({ secret: setup.secret, body, timestamp: timestamp + 5 }),
      })
      expect(inside.outcome).toBe('applied')
    })

    it('rejects a body changed after signing', async () => {
      const setup = setupSync()
      const signed = signWebhook({ secret: setup.secret, body })
      const result = await expectRejected(
        setup,
        signed,
        ErrorCode.SIGNATURE_INVALID,
        body.replace('"client"', '"admin"').replace('Ada', 'Eve'),
      )
      expect(result.message).toMatch(/No matching signature/)
    })

    it('rejects a signature made with another secret', async () => {
      const setup = setupSync()
      await expectRejected(
        setup,
        signWebhook({ secret: generateSigningSecret(), body }),
        ErrorCode.SIGNATURE_INVALID,
      )
    })

    it('rejects a signature under an unknown scheme version', async () => {
      const setup = setupSync()
      const signed = signWebhook({ secret: setup.secret, body })
      await expectRejected(
        setup,
        { ...signed, 'svix-signature': signed['svix-signature'].replace('v1,', 'v2,') },
        ErrorCode.SIGNATURE_INVALID,
      )
    })

    it('rejects a verified body that is not JSON, and logs an error', async () => {
      const setup = setupSync()
      const text = 'this is not json'
      await expectRejected(
        setup,
        signWebhook({ secret: setup.secret, body: text }),
        ErrorCode.BODY_NOT_JSON,
        text,
      )
      expect(setup.log.lines).toEqual([
        expect.objectContaining({
          level: 'error',
          message: expect.stringMatching(
            /^Error processing webhook: The verified body is not valid JSON; answered 422, so Svix retries/,
          ),
        }),
      ])
    })

    it.each([
      ['an array', '[1,2,3]'],
      ['an object without type', '{"data":{"id":"user_1"}}'],
      ['an object without data', '{"type":"user.created"}'],
      ['a string', '"user.created"'],
      ['null', 'null'],
    ])('rejects verified JSON that is not a Clerk event: %s', async (_, text) => {
      const setup = setupSync()
      const result = await expectRejected(
        setup,
        signWebhook({ secret: setup.secret, body: text }),
        ErrorCode.EVENT_INVALID,
        text,
      )
      expect(result.message).toMatch(/^Not a Clerk event/)
      expect(setup.log.lines.map((l) => l.level)).toEqual(['error'])
    })

    it.each([
      [
        'user.created without data.id',
        { ...userCreatedEvent(user), data: { ...user, id: undefined } },
        /data\.id/,
      ],
      [
        'user.updated with an empty data.id',
        { ...userUpdatedEvent(user), data: { ...user, id: '' } },
        /data\.id/,
      ],
      ['user.deleted without data.id', clerkEvent('user.deleted', { deleted: true }), /data\.id/],
      [
        'user.updated without data.updated_at',
        { ...userUpdatedEvent(user), data: { ...user, updated_at: undefined } },
        /updated_at/,
      ],
    ])('rejects %s', async (_, payload, pattern) => {
      const setup = setupSync()
      const text = JSON.stringify(payload)
      const result = await expectRejected(
        setup,
        signWebhook({ secret: setup.secret, body: text }),
        ErrorCode.EVENT_INVALID,
        text,
      )
      expect(result.message).toMatch(pattern)
      expect(setup.log.lines.map((l) => l.level)).toEqual(['error'])
    })
  })

  describe('byte-exact bodies', () => {
    it('treats a body with a BOM the same as bytes or as a string', async () => {
      const setup = setupSync()
      const text = `\uFEFF${JSON.stringify(userCreatedEvent(clerkUser()))}`
      const headers = signWebhook({ secret: setup.secret, body: text })
      const asString = await setup.sync.processWebhook({ body: text, headers })
      const asBytes = await setup.sync.processWebhook({
        body: new TextEncoder().encode(text),
        headers,
      })
      expect(asString).toMatchObject({ status: 422, code: ErrorCode.BODY_NOT_JSON })
      expect(asBytes).toMatchObject({ status: 422, code: ErrorCode.BODY_NOT_JSON })
    })
  })

  describe('413 rejected', () => {
    it('refuses a body over maxBodyBytes before looking at headers or signatures', async () => {
      const setup = setupSync({ maxBodyBytes: 1024 })
      const big = JSON.stringify({ ...userCreatedEvent(clerkUser()), padding: 'x'.repeat(2000) })
      // No svix headers at all: a 413 (not a 400) proves the size check runs first.
      for (const body of [big, new TextEncoder().encode(big)]) {
        const result = await setup.sync.processWebhook({ body, headers: {} })
        expect(result).toMatchObject({
          status: 413,
          outcome: 'rejected',
          code: ErrorCode.BODY_TOO_LARGE,
        })
      }
      // Multi-byte characters count as bytes, not as string length.
      const wide = 'é'.repeat(600)
      expect(wide.length).toBeLessThan(1024)
      expect((await setup.sync.processWebhook({ body: wide, headers: {} })).status).toBe(413)
      expect(setup.store.snapshot().events.size).toBe(0)
    })
  })

  describe('500 failed', () => {
    it('answers 500 when the store throws, records nothing, and applies the retry', async () => {
      let failures = 1
      const setup = setupSync({
        memory: {
          beforeCommit() {
            if (failures-- > 0) throw new Error('connection reset by peer')
          },
        },
      })
      const user = clerkUser({ updatedAt: T })
      const event = userCreatedEvent(user)
      const failed = await deliver(setup.sync, event, { secret: setup.secret, id: 'msg_fail' })
      expect(failed).toMatchObject({
        status: 500,
        outcome: 'failed',
        code: ErrorCode.STORE_FAILED,
        userId: user.id,
      })
      expect(failed.message).toContain('connection reset by peer')
      expect(setup.store.snapshot().events.has('msg_fail')).toBe(false)
      expect(await setup.store.getUser(user.id)).toBeNull()
      expect(setup.log.lines.at(-1)).toMatchObject({ level: 'error' })

      const retry = await deliver(setup.sync, event, { secret: setup.secret, id: 'msg_fail' })
      expect(retry).toMatchObject({ status: 200, outcome: 'applied' })
      expect(setup.store.snapshot().events.has('msg_fail')).toBe(true)
    })

    it('keeps the store error out of the response body sent to Svix', async () => {
      const setup = setupSync({
        memory: { beforeCommit: () => Promise.reject(new Error('password=hunter2 host=db')) },
      })
      const body = JSON.stringify(userCreatedEvent(clerkUser()))
      const response = await setup.sync.handleWebhook(
        new Request('http://localhost/', {
          method: 'POST',
          body,
          headers: signWebhook({ secret: setup.secret, body }),
        }),
      )
      expect(response.status).toBe(500)
      const text = await response.text()
      expect(text).not.toContain('hunter2')
      expect(JSON.parse(text)).toMatchObject({ outcome: 'failed', code: ErrorCode.STORE_FAILED })
    })
  })
})

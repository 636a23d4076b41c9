import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSignatureVerifier } from '../src/webhook/verify-signature.js'

// The Standard Webhooks known-answer vector (the same one svix's own tests use).
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: '1614265330',
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
}

describe('signature verifier: Standard Webhooks known-answer vector', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  function atVectorTime(offsetSeconds = 0) {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime((Number(vector.timestamp) + offsetSeconds) * 1000)
  }

  const headers = { id: vector.id, timestamp: vector.timestamp, signature: vector.signature }

  it('accepts the vector with the clock at its time', () => {
    atVectorTime()
    const verifier = createSignatureVerifier([vector.secret], 300)
    expect(verifier.verify(vector.body, headers)).toEqual({
      ok: true,
      payload: { test: 2432232314 },
    })
  })

  it('accepts it among several signatures and with the right secret second in a rotation', () => {
    atVectorTime()
    const verifier = createSignatureVerifier(
      ['whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', vector.secret],
      300,
    )
    const signature = `v1,bm9wZQ== ${vector.signature}`
    expect(verifier.verify(vector.body, { ...headers, signature }).ok).toBe(true)
  })

  it('rejects the vector when one byte of the body differs', () => {
    atVectorTime()
    const verifier = createSignatureVerifier([vector.secret], 300)
    expect(verifier.verify('{"test": 2432232315}', headers)).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
    })
  })

  it('rejects the vector five minutes and one second later', () => {
    atVectorTime(301)
    const verifier = createSignatureVerifier([vector.secret], 300)
    expect(verifier.verify(vector.body, headers)).toMatchObject({
      ok: false,
      code: 'TIMESTAMP_INVALID',
    })
  })

  it('accepts it 300 seconds later and rejects it 61 seconds later under a 60-second tolerance', () => {
    atVectorTime(300)
    expect(createSignatureVerifier([vector.secret], 300).verify(vector.body, headers).ok).toBe(true)
    atVectorTime(61)
    expect(createSignatureVerifier([vector.secret], 60).verify(vector.body, headers)).toMatchObject(
      { ok: false, code: 'TIMESTAMP_INVALID' },
    )
  })

  it('answers BODY_NOT_JSON, not a thrown SyntaxError, for a correctly signed non-JSON body', async () => {
    const { createHmac } = await import('node:crypto')
    atVectorTime()
    const body = 'not json'
    const key = Buffer.from(vector.secret.slice('whsec_'.length), 'base64')
    const signature = `v1,${createHmac('sha256', key).update(`${vector.id}.${vector.timestamp}.${body}`).digest('base64')}`
    const verifier = createSignatureVerifier([vector.secret], 300)
    expect(verifier.verify(body, { ...headers, signature })).toMatchObject({
      ok: false,
      code: 'BODY_NOT_JSON',
    })
  })
})

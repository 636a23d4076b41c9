import { generateSigningSecret, signedWebhookRequest, signWebhook } from '@clerk-sync/testing'
import { Webhook } from 'svix'
import { describe, expect, it } from 'vitest'

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks known-answer signature', () => {
    const headers = signWebhook({
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
    })
    expect(headers).toEqual({
      'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'svix-timestamp': '1614265330',
      'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    })
  })

  it('signs what svix itself verifies, for strings, bytes and objects', () => {
    const secret = generateSigningSecret()
    const payload = { type: 'user.created', data: { id: 'user_1', name: 'Zoë' } }
    const text = JSON.stringify(payload)
    for (const body of [text, new TextEncoder().encode(text), payload]) {
      const headers = signWebhook({ secret, body })
      expect(new Webhook(secret).verify(text, headers)).toEqual(payload)
    }
  })

  it('keeps the id it is given and accepts a Date timestamp', () => {
    const headers = signWebhook({
      secret: generateSigningSecret(),
      body: '{}',
      id: 'msg_same',
      timestamp: new Date(1_700_000_000_500),
    })
    expect(headers['svix-id']).toBe('msg_same')
    expect(headers['svix-timestamp']).toBe('1700000000')
  })

  it('builds a signed POST Request', async () => {
    const secret = generateSigningSecret()
    const request = signedWebhookRequest({ secret, body: { type: 'x', data: {} } })
    expect(request.method).toBe('POST')
    const text = await request.text()
    const headers = Object.fromEntries(request.headers)
    expect(new Webhook(secret).verify(text, headers)).toEqual({ type: 'x', data: {} })
  })
})

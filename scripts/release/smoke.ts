/**
 * The fresh app's smoke files for the release dry run: each package loads as ESM and as CommonJS
 * from what npm installed, and a real signed webhook goes through `createClerkSync`, a
 * `MemoryStore` and `@clerk-sync/express` on a real server. The signature is made here with
 * node:crypto (Svix's scheme), not by the package under test; a forged one must get a 400.
 */

/** `<package>`: the exports each entry must have, as ESM and as CommonJS. */
export const ENTRIES: Record<string, string[]> = {
  '@clerk-sync/core': ['createClerkSync', 'MemoryStore', 'ClerkSyncError'],
  '@clerk-sync/core/node': [],
  '@clerk-sync/express': ['clerkSyncWebhook', 'setRoleHandler'],
  '@clerk-sync/drizzle': ['drizzleStore', 'applyMigrations'],
  '@clerk-sync/testing': ['clerkUser', 'userCreatedEvent', 'signWebhook'],
}

const checkEntries = (load: string) => `
const entries = ${JSON.stringify(ENTRIES)}
for (const [name, names] of Object.entries(entries)) {
  const mod = ${load}
  const missing = names.filter((key) => typeof mod[key] !== 'function')
  if (missing.length > 0) throw new Error(name + ' lacks ' + missing.join(', '))
}
`

/** smoke.cjs: every entry through require(), and the CLI's manifest. */
export function cjsSmoke(version: string): string {
  return `'use strict'
${checkEntries('require(name)')}
const cli = require('clerk-sync/package.json')
if (cli.version !== ${JSON.stringify(version)}) throw new Error('clerk-sync is ' + cli.version)
console.log('cjs: ' + Object.keys(entries).length + ' entries and clerk-sync/package.json load')
`
}

/** smoke.mjs: every entry through import(), then the signed webhook. */
export function esmSmoke(version: string): string {
  return `import { createHmac, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import express from 'express'
import { createClerkSync, MemoryStore, silentLogger } from '@clerk-sync/core'
import { clerkSyncWebhook } from '@clerk-sync/express'
import { clerkUser, userCreatedEvent } from '@clerk-sync/testing'
${checkEntries('await import(name)')}
const cli = createRequire(import.meta.url)('clerk-sync/package.json')
if (cli.version !== ${JSON.stringify(version)}) throw new Error('clerk-sync is ' + cli.version)
console.log('esm: ' + Object.keys(entries).length + ' entries load')

const secret = 'whsec_' + randomBytes(24).toString('base64')
const store = new MemoryStore()
const sync = createClerkSync({ store, signingSecret: secret, logger: silentLogger })
const app = express()
app.post('/api/webhooks', clerkSyncWebhook(sync))
const server = app.listen(0, '127.0.0.1')
await once(server, 'listening')
const url = 'http://127.0.0.1:' + server.address().port + '/api/webhooks'

const user = clerkUser({ emails: ['ada@example.com'] })
const body = JSON.stringify(userCreatedEvent(user))
const sign = (key, id, seconds) =>
  'v1,' + createHmac('sha256', Buffer.from(key.slice('whsec_'.length), 'base64'))
    .update(id + '.' + seconds + '.' + body).digest('base64')
const post = (signature, id, seconds) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(seconds), 'svix-signature': signature },
    body,
  })
try {
  const seconds = Math.floor(Date.now() / 1000)
  const forged = await post(sign('whsec_' + randomBytes(24).toString('base64'), 'msg_forged', seconds), 'msg_forged', seconds)
  if (forged.status !== 400) throw new Error('a forged signature got ' + forged.status)
  if (await store.getUser(user.id)) throw new Error('the forged delivery was written')
  const signed = await post(sign(secret, 'msg_smoke', seconds), 'msg_smoke', seconds)
  const text = await signed.text()
  if (signed.status !== 200) throw new Error('the signed webhook got ' + signed.status + ': ' + text)
  const stored = await store.getUser(user.id)
  if (!stored) throw new Error('the signed webhook wrote no user')
  console.log('webhook: forged 400, signed 200 ' + text + ', ' + user.id + ' stored')
} finally {
  server.close()
}
`
}

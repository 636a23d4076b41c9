/**
 * `pnpm demo`: clerk-sync doing its job in this app, with no Clerk account and no database server.
 * A local Clerk (the emulator from @clerk-sync/testing) and the app on in-memory PGlite run in this
 * process; everything between them goes over real HTTP: Backend API calls, signed webhooks, the
 * app's routes with session tokens. Each step checks what it claims; any miss exits 1.
 * `--json` prints one JSON line per step instead (for tests/demo.test.ts).
 */
import { performance } from 'node:perf_hooks'
import { createClerkClient } from '@clerk/backend'
import type { Logger } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { type EmittedEvent, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { IN_MEMORY } from '../src/db.js'
import { startApp } from '../src/start-app.js'
import { pgliteTemplate } from './demo/pglite-template.js'
import { createReporter } from './demo/report.js'
import { countPosts, countProcessedEvents, readUsersTable } from './demo/snapshot.js'

class CheckFailed extends Error {}

/** The user an event is about: `data.id` of a user event. */
const eventUserId = (event: EmittedEvent) => (event.payload.data as { id?: string }).id

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new CheckFailed(message)
}

// Clerk's SDK announces its telemetry on a development instance; the emulator is one.
process.env.CLERK_TELEMETRY_DISABLED ??= '1'

if (process.argv.includes('--prepare')) {
  // Part of setup (scripts/bootstrap.sh): the database template the demo starts from.
  const { path, created } = await pgliteTemplate()
  console.log(`${created ? 'Created' : 'Found'} the demo's PGlite template: ${path}`)
  process.exit(0)
}

const json = process.argv.includes('--json')
const report = createReporter({ json, color: !json && process.stdout.isTTY === true })

// clerk-sync's own log lines are kept, and shown only if a step fails.
const logs: string[] = []
const keep =
  (level: string) =>
  (message: string): void => {
    logs.push(`${level} ${message}`)
  }
const logger: Logger = {
  debug: () => {},
  info: keep('info'),
  warn: keep('warn'),
  error: keep('error'),
}

// A hang fails the step it happened in, by number and title, instead of leaving the demo running:
// each request to the app gives up after REQUEST_TIMEOUT_MS, and each step (starting, the seven,
// closing) after STEP_TIMEOUT_MS whatever it waits for (the Clerk SDK, the database, a delivery).
const REQUEST_TIMEOUT_MS = 10_000
const STEP_TIMEOUT_MS = 20_000
let step = 0
let title = 'start the emulator and the app'
let watchdog: NodeJS.Timeout | undefined
function beginStep(number: number, stepTitle: string): void {
  step = number
  title = stepTitle
  clearTimeout(watchdog)
  watchdog = setTimeout(() => {
    report.failed(step, title, `no result within ${STEP_TIMEOUT_MS / 1000} s`, logs)
    process.exit(1)
  }, STEP_TIMEOUT_MS)
}
beginStep(0, title)

// Svix's retry schedule 100,000 times faster: a refused delivery is retried and given up on in
// about a second, and the step that waited for it says what was answered.
async function startDemo() {
  const [clerk, { template }] = await Promise.all([
    startClerkEmulator({ timeScale: 1e-5 }),
    pgliteTemplate(),
  ])
  const app = await startApp(
    {
      port: 0,
      databaseUrl: undefined,
      pgliteDataDir: IN_MEMORY,
      secretKey: clerk.secretKey,
      publishableKey: clerk.publishableKey,
      apiUrl: clerk.apiUrl,
      signingSecret: clerk.signingSecret,
      authorizedParties: undefined,
    },
    { port: 0, host: '127.0.0.1', logger, pgliteTemplate: template },
  )
  return { clerk, app }
}

const describeError = (error: unknown) =>
  error instanceof CheckFailed
    ? error.message
    : `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`

const { clerk, app } = await startDemo().catch((error: unknown) => {
  report.failed(step, title, describeError(error), logs)
  return process.exit(1)
})
const webhookUrl = `${app.url}/api/webhooks`
// What signing up, editing a profile or deleting an account does on Clerk's side.
const clerkApi = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })

const rows = () => readUsersTable(app.db)
const rowOf = async (id: string) => (await rows()).find((row) => row.id === id)
const call = (path: string, init: { token?: string; body?: unknown; method?: string }) =>
  fetch(`${app.url}${path}`, {
    method: init.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
/** Waits for every webhook the emulator has to send, then checks each was answered 2xx. */
async function webhooksLanded(): Promise<void> {
  await clerk.flush({ timeoutMs: 10_000 })
  const failed = clerk.deliveries().filter((attempt) => !attempt.ok)
  const last = failed.at(-1)
  check(
    !last,
    `${failed.length} webhook attempts failed; the last: ${last?.eventType} → ${last?.status ?? last?.error} ${last?.responseBody.slice(0, 300)}`,
  )
}

async function run(): Promise<void> {
  report.intro([
    'clerk-sync demo: an Express 5 app with its own users and posts tables (examples/express-drizzle)',
    `  Clerk:    the emulator at ${clerk.apiUrl} (local; webhooks signed and delivered as Svix does)`,
    `  app:      ${app.url}, webhook route ${webhookUrl}`,
    `  database: ${app.databaseDescription}`,
  ])

  // 1. Users who were in Clerk before the sync existed: no webhook ever told the app about them.
  beginStep(1, 'Two users already in Clerk are imported by backfill')
  const [ada, ben] = clerk.seedUsers([
    {
      emails: ['ada@gym.example'],
      firstName: 'Ada',
      lastName: 'Lovelace',
      role: 'admin',
      createdAt: Date.UTC(2025, 0, 10),
    },
    {
      emails: ['ben@gym.example'],
      firstName: 'Ben',
      lastName: 'Okafor',
      createdAt: Date.UTC(2025, 2, 2),
    },
  ])
  check(!!ada && !!ben, 'the emulator did not seed two users')
  check((await rows()).length === 0, 'the users table should start empty')
  // Webhook first, then backfill, as docs/setup.md (step 8) says: no change falls between the two.
  clerk.addWebhookEndpoint(webhookUrl)
  const backfill = await app.sync.backfill({ clerk: app.clerk })
  check(
    backfill.applied === 2 && backfill.failed === 0,
    `backfill applied ${backfill.applied}, failed ${backfill.failed}; expected 2 and 0`,
  )
  const afterBackfill = await rows()
  check(
    afterBackfill.map((row) => `${row.id}:${row.role}`).join() ===
      `${ada.id}:admin,${ben.id}:client`,
    'the table should hold Ada (admin) and Ben (client)',
  )
  report.step({
    step,
    title,
    rows: afterBackfill,
    notes: [
      `sync.backfill({ clerk }) read Clerk's users and wrote ${backfill.applied} rows in ${backfill.durationMs} ms.`,
    ],
    details: { backfill: { scanned: backfill.scanned, applied: backfill.applied } },
  })

  // 2. Sign-ups: Clerk creates the users and sends `user.created` to the app's webhook route.
  beginStep(2, 'Three users sign up; their user.created webhooks land')
  const signUps = [
    { emailAddress: ['cy@gym.example'], firstName: 'Cy', lastName: 'Berg' },
    { emailAddress: ['dee@gym.example'], firstName: 'Dee', lastName: 'Ramos' },
    { emailAddress: ['eve@gym.example'], firstName: 'Eve', lastName: 'Stone' },
  ]
  const [cy, dee, eve] = await Promise.all(signUps.map((user) => clerkApi.users.createUser(user)))
  check(!!cy && !!dee && !!eve, 'Clerk did not create three users')
  await webhooksLanded()
  // Each writes posts through the app, signed in with a Clerk session token.
  const postsWritten = { [cy.id]: 2, [dee.id]: 1, [eve.id]: 1 }
  for (const [userId, count] of Object.entries(postsWritten)) {
    for (let i = 1; i <= count; i++) {
      const answer = await call('/posts', {
        token: clerk.sessionToken(userId),
        body: { title: `Workout log ${i}` },
      })
      check(answer.status === 201, `POST /posts answered ${answer.status}, expected 201`)
    }
  }
  const afterSignUps = await rows()
  check(afterSignUps.length === 5, `expected 5 users, the table has ${afterSignUps.length}`)
  for (const user of [cy, dee, eve]) {
    const row = afterSignUps.find((candidate) => candidate.id === user.id)
    check(
      row?.email === user.primaryEmailAddress?.emailAddress && row?.role === 'client',
      `${user.firstName}'s row should carry their email and the default role client`,
    )
  }
  report.step({
    step,
    title,
    rows: afterSignUps,
    notes: [
      `${clerk.deliveries().length} deliveries, each answered 200; then Cy, Dee and Eve wrote posts with their session tokens (POST /posts).`,
    ],
  })

  // 3. The admin endpoint: Clerk's metadata is the truth, the row and the audit log follow.
  beginStep(3, 'Ada (admin) promotes Dee to trainer through POST /api/admin/set-role')
  const refused = await call('/api/admin/set-role', {
    token: clerk.sessionToken(ben.id),
    body: { targetUserId: dee.id, role: 'trainer' },
  })
  check(refused.status === 403, `Ben (a client) got ${refused.status}, expected 403`)
  const eventsBefore = clerk.events().length
  const promoted = await call('/api/admin/set-role', {
    token: clerk.sessionToken(ada.id),
    body: { targetUserId: dee.id, role: 'trainer' },
  })
  const promotedBody = (await promoted.json()) as { success?: boolean; message?: string }
  check(
    promoted.status === 200 && promotedBody.success === true,
    `set-role answered ${promoted.status} ${JSON.stringify(promotedBody)}`,
  )
  check(
    clerk.user(dee.id)?.public_metadata.role === 'trainer',
    "Clerk's public_metadata.role should be trainer",
  )
  await webhooksLanded()
  const echo = clerk
    .events()
    .slice(eventsBefore)
    .find((event) => event.type === 'user.updated' && eventUserId(event) === dee.id)
  check(!!echo, 'Clerk should have sent user.updated for Dee')
  const echoDelivery = clerk.deliveries().find((attempt) => attempt.messageId === echo.messageId)
  check(echoDelivery?.status === 200, 'the user.updated echo should be answered 200')
  check((await rowOf(dee.id))?.role === 'trainer', "Dee's row should say trainer")
  const audit = (await app.sync.store.listAuditEntries({ userId: dee.id })).entries
  check(
    audit.length === 1 &&
      audit[0]?.fromRole === 'client' &&
      audit[0]?.toRole === 'trainer' &&
      audit[0]?.actor === ada.id,
    `expected one audit entry client → trainer by Ada, got ${JSON.stringify(audit)}`,
  )
  const echoOutcome = (JSON.parse(echoDelivery.responseBody) as { outcome?: string }).outcome
  report.step({
    step,
    title,
    rows: await rows(),
    notes: [
      `Ben (client) tried first: 403. Ada: 200 "${promotedBody.message}".`,
      `Clerk's public_metadata.role is now trainer; its user.updated came back (${echo.messageId}) and was answered 200 (${echoOutcome}): the row already held it, no second audit entry.`,
    ],
    details: { refusedStatus: refused.status, echoOutcome, audit },
    extraTable: {
      title: 'clerk_sync_role_audit',
      rows: audit.map((entry) => ({
        target: entry.targetUserId,
        from: entry.fromRole,
        to: entry.toRole,
        actor: entry.actor,
        source: entry.source,
        at: entry.at,
      })),
    },
  })

  // 4. A profile edit in Clerk reaches the row through user.updated.
  beginStep(4, 'Eve changes her first name to Evelyn')
  await clerkApi.users.updateUser(eve.id, { firstName: 'Evelyn' })
  await webhooksLanded()
  check((await rowOf(eve.id))?.firstName === 'Evelyn', "Eve's row should say Evelyn")
  report.step({
    step,
    title,
    rows: await rows(),
    notes: ['updateUser in Clerk → user.updated → the row.'],
  })

  // 5. A deletion in Clerk deletes the row; the database's ON DELETE CASCADE takes the posts.
  beginStep(5, 'Cy deletes his account: the row and his posts go')
  const postsBefore = { total: await countPosts(app.db), cy: await countPosts(app.db, cy.id) }
  check(postsBefore.cy === 2, `Cy should have 2 posts before, has ${postsBefore.cy}`)
  await clerkApi.users.deleteUser(cy.id)
  await webhooksLanded()
  const postsAfter = { total: await countPosts(app.db), cy: await countPosts(app.db, cy.id) }
  check(!(await rowOf(cy.id)), "Cy's row should be gone")
  check(
    postsAfter.cy === 0 && postsAfter.total === postsBefore.total - 2,
    `Cy's posts should be gone: ${JSON.stringify({ postsBefore, postsAfter })}`,
  )
  report.step({
    step,
    title,
    rows: await rows(),
    notes: [
      `posts: ${postsBefore.total} before (${postsBefore.cy} by Cy), ${postsAfter.total} after (${postsAfter.cy} by Cy): ON DELETE CASCADE.`,
    ],
    details: { postsBefore, postsAfter },
  })

  // 6. Anyone can POST to the webhook route; only Clerk's signing secret makes it count.
  beginStep(6, 'A forged webhook is refused')
  const tableBeforeForgery = JSON.stringify(await rows())
  const eventsBeforeForgery = await countProcessedEvents(app.db)
  const intruder = clerkUser({ emails: ['mallory@evil.example'], role: 'admin' })
  const forgedBody = JSON.stringify(userCreatedEvent(intruder))
  const forged = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signWebhook({ secret: generateSigningSecret(), body: forgedBody }),
    },
    body: forgedBody,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const forgedAnswer = (await forged.json()) as { code?: string }
  check(
    forged.status === 400 && forgedAnswer.code === 'SIGNATURE_INVALID',
    `the forgery got ${forged.status} ${JSON.stringify(forgedAnswer)}, expected 400 SIGNATURE_INVALID`,
  )
  check(JSON.stringify(await rows()) === tableBeforeForgery, 'the forgery changed the users table')
  check(
    (await countProcessedEvents(app.db)) === eventsBeforeForgery,
    'the forgery was recorded as an event',
  )
  report.step({
    step,
    title,
    rows: await rows(),
    notes: [
      `user.created for mallory@evil.example (role admin), signed with another secret: ${forged.status} ${forgedAnswer.code}. Nothing written.`,
    ],
    details: { status: forged.status, code: forgedAnswer.code },
  })

  // 7. Svix delivers at least once: a retry carries the same svix-id, with a fresh timestamp and signature.
  beginStep(7, 'A duplicate delivery is ignored')
  const original = clerk
    .events()
    .find((event) => event.type === 'user.updated' && eventUserId(event) === eve.id)
  check(!!original, "the emulator should have recorded Eve's user.updated")
  const tableBeforeDuplicate = JSON.stringify(await rows())
  const eventsBeforeDuplicate = await countProcessedEvents(app.db)
  const body = JSON.stringify(original.payload)
  const duplicate = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signWebhook({ secret: clerk.signingSecret, body, id: original.messageId }),
    },
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const duplicateAnswer = (await duplicate.json()) as { outcome?: string }
  check(
    duplicate.status === 200 && duplicateAnswer.outcome === 'duplicate',
    `the duplicate got ${duplicate.status} ${JSON.stringify(duplicateAnswer)}, expected 200 duplicate`,
  )
  check(JSON.stringify(await rows()) === tableBeforeDuplicate, 'the duplicate changed the table')
  check(
    (await countProcessedEvents(app.db)) === eventsBeforeDuplicate,
    'the duplicate was recorded again',
  )
  report.step({
    step,
    title,
    rows: await rows(),
    notes: [
      `Eve's user.updated sent again with its svix-id ${original.messageId}: 200 ${duplicateAnswer.outcome}. Nothing changed.`,
    ],
    details: { status: duplicate.status, outcome: duplicateAnswer.outcome },
  })
}

let exitCode = 0
try {
  await run()
  // Commands as typed in examples/express-drizzle, where `npx clerk-sync` runs the app's own
  // devDependency, the CLI, and reads its clerk-sync.config.ts and .env.
  report.done(Math.round(performance.now()), [
    '',
    'The same app against a real Clerk instance (examples/express-drizzle/README.md):',
    '  1. cd examples/express-drizzle && cp .env.example .env; set CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY',
    '     (Clerk Dashboard → API keys), leave CLERK_API_URL unset; DATABASE_URL=postgres://… for Postgres,',
    '     else PGlite keeps the data in .pglite/.',
    '  2. Clerk Dashboard → Webhooks → Add endpoint https://<your app>/api/webhooks (user.created, user.updated,',
    '     user.deleted); its Signing Secret goes in CLERK_WEBHOOK_SIGNING_SECRET. pnpm start.',
    '     npx clerk-sync check --url https://<your app>/api/webhooks says whether Clerk can reach it.',
    '  3. Webhook first, then import the users Clerk already has: npx clerk-sync backfill',
    '     (it reads clerk-sync.config.ts and .env; with PGlite, stop the app first).',
    '  Locally, without an account, in examples/express-drizzle (keys and users kept in .clerk-emulator.json):',
    '     npx clerk-sync emulator --state .clerk-emulator.json --webhook-url http://localhost:3000/api/webhooks',
  ])
} catch (error) {
  exitCode = 1
  report.failed(step, title, describeError(error), logs)
} finally {
  // Each is closed even if the other throws; a close that hangs fails as step 'close'.
  beginStep(step, 'close the app and the emulator')
  await Promise.allSettled([app.close(), clerk.close()]).then((results) => {
    const failure = results.find((result) => result.status === 'rejected')
    if (failure && exitCode === 0) {
      exitCode = 1
      report.failed(step, title, describeError(failure.reason), logs)
    }
  })
  clearTimeout(watchdog)
}
process.exit(exitCode)

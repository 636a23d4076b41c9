export const MAIN_HELP = `clerk-sync: bring an app's users in step with Clerk, and a local Clerk to test with

Usage: clerk-sync <command> [options]

Commands:
  emulator       Run a local Clerk (Backend API + Svix-style webhooks) for development
  token          Print a session token for a user of the emulator (Authorization: Bearer …)
  trigger        Send one signed user.created / user.updated / user.deleted webhook
  check          Check that Clerk's webhooks can reach clerk-sync at a URL (nothing is written)
  backfill       Copy every Clerk user into your store (resumable)
  reconcile      Compare your store with Clerk; --apply repairs the drift
  import-legacy  Create your app's own users in Clerk (dry run unless --apply)
  prune          Forget processed webhook ids past their retention
  queue          Queue mode: status (depth, dead letters) and replay-dead

backfill, reconcile, import-legacy, prune and queue read clerk-sync.config.{ts,mts,js,mjs} in the
current directory (or --config <path>): it default-exports a factory returning
{ sync, clerk, close }. See the README.

Options:
  -h, --help     Show help (also after any command: clerk-sync trigger --help)
  -v, --version  Show the version

Exit codes: 0 success, 1 failure, 2 usage error, 3 reconcile refused to tombstone,
130 interrupted (Ctrl-C or SIGTERM; the emulator exits 0 on these). Every command takes --json.`

export const EMULATOR_HELP = `Usage: clerk-sync emulator [options]

Runs a local Clerk: the Users endpoints of the Backend API (2026-05-12), which
@clerk/backend's createClerkClient({ apiUrl, secretKey }) talks to unchanged, and webhooks
delivered as Svix does, signed, retried on Svix's schedule. Prints the API URL, keys and
signing secret, then one line per webhook attempt. "clerk-sync token <userId>" prints a session
token your app's Clerk middleware accepts.

Without --state, the keys, the signing secret and the users are new on every start; after a
webhook refused with 400 it says once per endpoint that the app may hold an earlier run's
CLERK_WEBHOOK_SIGNING_SECRET, and prints the current one. With --state FILE they are kept in FILE
(JSON, mode 0600, written within moments of each change and on exit; without --port the last
run's port is tried first, so the URLs and publishable key stay the same). A damaged state file
is refused (exit 2) and left alone.

One emulator per state file: FILE.lock holds its pid, and a second one on the same file is
refused (exit 2) naming it; a lock left by a process that is gone is taken over.

It stops on Ctrl-C, SIGTERM or SIGHUP, and when the process that started it ends, even killed
with SIGKILL (npx, a script, a dev runner), or closes its stdin pipe (a pipe already closed at
start, as in "true | clerk-sync emulator", is not watched): it never lingers on a port. To keep it
running in the background after the shell or CI step that started it, pass --detached (nohup
alone does not: Node resets SIGHUP at start); stop it with kill, e.g. kill $(cat FILE.lock).

Exit codes: 0 stopped (Ctrl-C, SIGTERM, SIGHUP, its parent or stdin gone), 1 could not start
(e.g. the port is taken), 2 usage error (a damaged or locked state file too), 130 a second
signal while stopping.

Options:
  --port <n>              Port to listen on (default: a free one, or the state file's)
  --host <addr>           Address to listen on (default 127.0.0.1; on 0.0.0.0 the URLs
                          printed name 127.0.0.1); session tokens are handed out on
                          loopback connections only
  --webhook-url <url>     Endpoint to deliver webhooks to; repeat for several
  --state <file>          Keep keys, signing secret and users in this file across restarts
  --signing-secret <s>    whsec_… secret to sign with (default: a fresh one, or the state file's)
  --secret-key <key>      sk_test_… key callers must send (default: a fresh one, or the state file's)
  --time-scale <x>        Multiply Svix's retry schedule, e.g. 0.001 (default 1)
  --duplicate-rate <p>    Probability 0..1 of sending a message twice (default 0)
  --reorder-window <ms>   Hold each message back up to this long (default 0)
  --jitter <ms>           Delay each attempt up to this much more (default 0)
  --concurrency <n>       Most attempts in flight at once (default 10)
  --rate-limit <n>        Answer 429 past n requests per 10 s (default: no limit)
  --detached              Outlive what started it: no watch of the parent or stdin, SIGHUP
                          ignored; stops on SIGINT or SIGTERM only (background and CI use)
  --json                  Print the settings, then each attempt, as JSON lines
  -h, --help              Show this help

Examples:
  clerk-sync emulator --state .clerk-emulator.json --webhook-url http://localhost:3000/api/webhooks
  # CI: started in one step, used by later ones, stopped in the last
  clerk-sync emulator --detached --json --state .clerk-emulator.json > emulator.log 2>&1 &
  kill $(cat .clerk-emulator.json.lock)`

export const TOKEN_HELP = `Usage: clerk-sync token <userId> [options]

Prints a session token for a user of the emulator, and nothing else, so a script can take it:
  TOKEN=$(npx clerk-sync token user_2x…)
  curl -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"targetUserId":"user_2y…","role":"trainer"}' http://localhost:3000/api/admin/set-role
Your app's Clerk middleware (clerkMiddleware, authenticateRequest) accepts it as it accepts
Clerk's. It asks the running emulator (POST /__emulator/session-tokens, which answers loopback
callers holding its secret key), or with --state signs from the emulator's state file.

Options:
  --claims <json>     Extra claims, e.g. '{"metadata":{"role":"admin"}}'
  --expires-in <s>    Lifetime in seconds (default 60, as Clerk's; at most a year)
  --api-url <url>     The emulator (default: $CLERK_API_URL)
  --secret-key <key>  Its secret key (default: $CLERK_SECRET_KEY)
  --state <file>      Sign from this state file (clerk-sync emulator --state <file>) instead
  --json              Print { ok, userId, token, expiresAt, source }
  -h, --help          Show this help

Exit codes: 0 printed, 1 no such user, or no emulator answered (or it refused the key),
2 usage error (a damaged or missing state file too).`

export const TRIGGER_HELP = `Usage: clerk-sync trigger <user.created|user.updated|user.deleted> --url <url> --secret <whsec_…> [options]

Sends one webhook, signed as Svix signs (svix-id, svix-timestamp, svix-signature), with a
realistic Clerk user by default, and shows the answer. Exits 0 on a 2xx answer, 1 otherwise.

Options:
  --url <url>         Your webhook endpoint (required)
  --secret <whsec_…>  The endpoint's signing secret (default: $CLERK_WEBHOOK_SIGNING_SECRET)
  --data <file>       JSON file: a whole event ({ type, data, … }) or fields of data to
                      override (e.g. { "first_name": "Ada", "public_metadata": { "role": "admin" } })
  --user-id <id>      The user's id (default: a fresh user_…)
  --timeout <ms>      Give up after this long (default 15000, as Svix)
  --json              Print the result as JSON
  -h, --help          Show this help

Example:
  clerk-sync trigger user.created --url http://localhost:3000/api/webhooks --secret whsec_…`

export const CHECK_HELP = `Usage: clerk-sync check --url <url> [options]

Sends one webhook with a deliberately wrong signature and explains the answer. clerk-sync refuses
it before reading anything (400 SIGNATURE_INVALID) and writes nothing, so this is safe against
production. Any other answer means something stands between Svix and clerk-sync; the commonest is
clerkMiddleware protecting the route (Clerk answers 401, 404 or a redirect to sign-in). Exits 0
when clerk-sync answered, 1 otherwise.

With --secret, a second probe is signed with the endpoint's secret, as an event type Clerk never
sends: clerk-sync writes nothing, proves the secret matches and asks its store whether its tables
exist (a missing migration is named with the command that fixes it).

Options:
  --url <url>      Your webhook endpoint (required)
  --secret <whsec> The endpoint's signing secret: also check the secret and the store
  --timeout <ms>   Give up after this long (default 15000, as Svix)
  --json           Print the result as JSON: { ok, verdict, explanation, status, … }
  -h, --help       Show this help

Examples:
  clerk-sync check --url https://app.example.com/api/webhooks
  clerk-sync check --url http://localhost:3000/api/webhooks --secret "$CLERK_WEBHOOK_SIGNING_SECRET"`

const CONFIG_HELP = `Config: clerk-sync.config.ts (or .mts, .js, .mjs) in the current directory, or --config <path>:
  export default async () => {
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
    const sync = createClerkSync({ store: drizzleStore(drizzle(pool)) })
    const clerk = createClerkClient({
      secretKey: process.env.CLERK_SECRET_KEY,
      apiUrl: process.env.CLERK_API_URL, // the emulator's; unset: https://api.clerk.com
    })
    return { sync, clerk, close: () => pool.end() }
  }
close() is always called, so the process exits when the command is done.`

export const BACKFILL_HELP = `Usage: clerk-sync backfill [options]

Copies every Clerk user into your store through sync.backfill: pages of the Users API written
with the store's bulk upsert under the version guard, so a user a webhook wrote more recently is
left alone and a deleted one is not revived. Switch the webhook on first, then backfill.

After each written page a checkpoint is saved in .clerk-sync/backfill-checkpoint.json beside the
config; an interrupted run (Ctrl-C, SIGTERM, a crash or a kill) resumes from it on the next run,
reading at most one page again. Ctrl-C stops after the page in flight and prints the command that
resumes; a second Ctrl-C quits at once. The checkpoint is deleted when a run completes.

On a terminal: a live bar (done, users/s, ETA from one user count at the start). Otherwise a
plain progress line every 2 s. --json: a {"kind":"progress",…} line per page, then
{"kind":"summary",…}.

Options:
  --config <path>    The config file (default: clerk-sync.config.* in this directory)
  --page-size <n>    Users per Users API request, 1..500 (default 500)
  --max-rate <n>     At most n users per second on average, so live webhooks stay fast
                     while the backfill writes (default: as fast as the database takes)
  --restart          Ignore the checkpoint and start from the first user
  --resume           Resume, and fail if there is no checkpoint (resuming is the default)
  --json             JSON lines for scripts
  -h, --help         Show this help

Exit codes: 0 done, 1 failed (an error, or users the store refused: listed), 2 usage error,
130 interrupted (the checkpoint is saved).

${CONFIG_HELP}`

export const RECONCILE_HELP = `Usage: clerk-sync reconcile [--apply [--force]] [options]

Compares your store with Clerk through sync.reconcile and lists the drift as it is found:
  missing    in Clerk, not in your store
  different  in both, some fields differ (named)
  gone       in your store, and GET /users/{id} answers 404 in Clerk
Nothing is written unless --apply; then each is repaired through the same guarded writes as the
webhooks (a gone user is tombstoned). Without --force, --apply refuses to tombstone more than 1%
of the users (at least 10): a secret key for the wrong instance must not empty your store.

Options:
  --config <path>    The config file (default: clerk-sync.config.* in this directory)
  --apply            Repair what is found
  --force            With --apply: tombstone past the 1% limit
  --page-size <n>    Users per Users API request, 1..500 (default 500)
  --json             One line per drift item ({"kind":"missing"|"different"|"gone",…}),
                     then {"kind":"summary",…}
  -h, --help         Show this help

Exit codes: 0 no drift (or all of it repaired), 1 drift remains (a dry run that found some, or
repairs that failed), 2 usage error, 3 refused to tombstone (see --force), 130 interrupted
(safe to run again).

${CONFIG_HELP}`

export const IMPORT_LEGACY_HELP = `Usage: clerk-sync import-legacy [--apply] [options]

Creates your app's own users (those without a Clerk account yet) in Clerk with importLegacyUsers:
email (verified only if your app verified it), names, role in public_metadata, your id as
external_id and the existing password hash (bcrypt, argon2i/argon2id and the other hashers Clerk
lists). Each is then linked back (your row gets its Clerk id). A dry run unless --apply; safe to
run again (users already imported are skipped). Users Clerk cannot take (an email that already
exists, an argon2d hash) are listed, and the rest go on.

The config's factory must also return legacyUsers: drizzleLegacyUsers(db, { table, columns })
from @clerk-sync/drizzle, or prismaLegacyUsers(prisma, { model, fields }) from @clerk-sync/prisma.

Options:
  --config <path>    The config file (default: clerk-sync.config.* in this directory)
  --apply            Create the users in Clerk and link them back
  --json             One {"kind":"item",…} line per user, then {"kind":"summary",…}
  -h, --help         Show this help

Exit codes: 0 every user imported (or importable, in a dry run), 1 some could not be (listed),
2 usage error, 130 interrupted (run again to go on).

${CONFIG_HELP}`

export const PRUNE_HELP = `Usage: clerk-sync prune [--older-than-days <n>] [options]

Forgets processed webhook event ids older than the retention (sync.pruneEvents). Run it daily from
cron or your platform's scheduled jobs, e.g.:
  17 3 * * *  cd /srv/app && npx clerk-sync prune

Options:
  --config <path>          The config file (default: clerk-sync.config.* in this directory)
  --older-than-days <n>    Retention in days (default 30, far beyond Svix's ~28 h of retries)
  --json                   Print { ok, pruned, olderThan }
  -h, --help               Show this help

Exit codes: 0 done, 1 failed, 2 usage error.

${CONFIG_HELP}`

const QUEUE_CONFIG_HELP = `Config: as for backfill (clerk-sync.config.ts, or --config <path>), its sync in queue mode:
  export default async () => {
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 })
    const boss = new PgBoss({ connectionString: process.env.DATABASE_URL, max: 2 })
    await boss.start()
    const sync = createClerkSync({ store: drizzleStore(drizzle(pool)), queue: pgBossQueue(boss) })
    const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY })
    return { sync, clerk, close: async () => { await boss.stop(); await pool.end() } }
  }
The queue's options (its name) must be those of the webhook route and the workers.`

export const QUEUE_HELP = `Usage: clerk-sync queue <status|replay-dead> [options]

Queue mode's operations (createClerkSync({ queue })): the webhook stores each verified event in a
durable queue and answers at once; workers (sync.startWorker()) apply them. An event that fails
every retry waits in the dead-letter queue until it is replayed.

Subcommands:
  status        Events queued and being applied, dead letters, the oldest waiting event's age
  replay-dead   Move dead-lettered events back to the queue

Run clerk-sync queue <subcommand> --help for its options.`

export const QUEUE_STATUS_HELP = `Usage: clerk-sync queue status [options]

Prints the queue's depth through sync.queueStats(): events queued (retries included), active (a
worker holds them), dead (failed every retry) and how long the oldest queued one has waited.
A growing age means the workers fall behind (or none runs); dead letters need a look at the
worker's logs, then clerk-sync queue replay-dead.

Options:
  --config <path>    The config file (default: clerk-sync.config.* in this directory)
  --json             Print { ok, queued, active, dead, oldestQueuedAgeMs } (null when none waits)
  -h, --help         Show this help

Exit codes: 0 printed, 1 failed (the queue could not be read), 2 usage error (a config
without queue mode too), 130 interrupted.

${QUEUE_CONFIG_HELP}`

export const QUEUE_REPLAY_DEAD_HELP = `Usage: clerk-sync queue replay-dead [--limit <n>] [options]

Moves dead-lettered events back to the queue, oldest first (sync.replayDeadEvents), and prints how
many moved. A running worker applies them through the same version-guarded writes as any event,
so replaying an event that is already outdated changes nothing. Fix what made them fail first
(the worker's logs name it), or they come back to the dead-letter queue after their retries.

Options:
  --config <path>    The config file (default: clerk-sync.config.* in this directory)
  --limit <n>        Move at most n (default: all of them)
  --json             Print { ok, moved }
  -h, --help         Show this help

Exit codes: 0 done (also when none was dead), 1 failed, 2 usage error (a config without queue
mode too), 130 interrupted.

${QUEUE_CONFIG_HELP}`

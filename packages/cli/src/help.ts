export const MAIN_HELP = `clerk-sync: a local Clerk and webhook tools for clerk-sync apps

Usage: clerk-sync <command> [options]

Commands:
  emulator   Run a local Clerk (Backend API + Svix-style webhooks) for development
  trigger    Send one signed user.created / user.updated / user.deleted webhook
  check      Check that Clerk's webhooks can reach clerk-sync at a URL (nothing is written)
  backfill   Copy every Clerk user into your store (not yet available)
  reconcile  Compare your store with Clerk and fix drift (not yet available)

Options:
  -h, --help     Show help (also after any command: clerk-sync trigger --help)
  -v, --version  Show the version

Exit codes: 0 success, 1 failure, 2 usage error. Every command takes --json.`

export const EMULATOR_HELP = `Usage: clerk-sync emulator [options]

Runs a local Clerk until Ctrl-C: the Users endpoints of the Backend API (2026-05-12), which
@clerk/backend's createClerkClient({ apiUrl, secretKey }) talks to unchanged, and webhooks
delivered as Svix does, signed, retried on Svix's schedule. Prints the API URL, keys and
signing secret, then one line per webhook attempt.

Options:
  --port <n>              Port to listen on (default: a free one)
  --host <addr>           Address to listen on (default 127.0.0.1)
  --webhook-url <url>     Endpoint to deliver webhooks to; repeat for several
  --signing-secret <s>    whsec_… secret to sign with (default: a fresh one)
  --secret-key <key>      sk_test_… key callers must send (default: a fresh one)
  --time-scale <x>        Multiply Svix's retry schedule, e.g. 0.001 (default 1)
  --duplicate-rate <p>    Probability 0..1 of sending a message twice (default 0)
  --reorder-window <ms>   Hold each message back up to this long (default 0)
  --jitter <ms>           Delay each attempt up to this much more (default 0)
  --concurrency <n>       Most attempts in flight at once (default 10)
  --rate-limit <n>        Answer 429 past n requests per 10 s (default: no limit)
  --json                  Print the settings, then each attempt, as JSON lines
  -h, --help              Show this help

Example:
  clerk-sync emulator --port 4010 --webhook-url http://localhost:3000/api/webhooks`

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

export function pendingHelp(command: string): string {
  return `Usage: clerk-sync ${command}

Not yet available: ${command} arrives with clerk-sync's backfill release.`
}

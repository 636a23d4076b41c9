// Walks docs/setup.md's numbered steps in order, as a reader would, in a temporary Express +
// Drizzle app: the packages its `npm install` lines name, the environment variables its `.env`
// block lists, the files its code blocks come from (region markers: scripts/docs-regions.ts keeps
// the blocks equal to tests/setup-guide/app/**), its commands (migrate, start, check, backfill), the
// webhook endpoint its Dashboard step names, pointed at a real Clerk emulator. Then it creates,
// updates and deletes a user through @clerk/backend and reads the app's own users table.
//
// The temporary app lives in tests/setup-guide/ (a `.gitignore` inside makes git skip it) so its
// node_modules can link the workspace's installed packages instead of packing tarballs.
import { execFile } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { createClerkClient } from '@clerk/backend'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnBoundChild, stopChild } from '../test-support/bound-child-process.js'
import { postgresUnavailable, postgresUrl, runScopedName } from '../test-support/databases.js'
import { freePort } from '../test-support/http.js'

const repo = fileURLToPath(new URL('..', import.meta.url))
const appSource = join(repo, 'tests/setup-guide/app')
const tsxLoader = pathToFileURL(join(repo, 'node_modules/tsx/dist/loader.mjs')).href
const guide = readFileSync(join(repo, 'docs/setup.md'), 'utf8')

/** The numbered steps of setup.md, in the order the app needs them. */
const STEPS = [
  '1. Install',
  '2. Set the environment variables',
  '3. Create the sync',
  '4. Mount the webhook route',
  '5. Apply the migrations',
  '6. Add the endpoint in the Clerk Dashboard',
  '7. Start the app and check the route',
  '8. Sync the users Clerk already has',
]

/** What the existing app had before the guide: Express, Drizzle, pg and Clerk's middleware. */
const EXISTING_APP_PACKAGES = ['express', 'drizzle-orm', 'pg', '@clerk/express']
/** For the type check only: the other frameworks' snippets and the types. */
const TYPECHECK_PACKAGES = [
  ...EXISTING_APP_PACKAGES,
  '@types/express',
  '@types/pg',
  '@types/node',
  'next',
  'react',
  '@clerk/nextjs',
  'hono',
  '@clerk/hono',
  'fastify',
  '@clerk/fastify',
]
const EXISTING_APP_FILES = ['src/schema.ts', 'src/db.ts']
const EXISTING_USERS_TABLE = `CREATE TABLE users (
  id text PRIMARY KEY,
  email text UNIQUE,
  first_name text,
  last_name text,
  role text NOT NULL DEFAULT 'member',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
)`

interface Section {
  heading: string
  body: string
}

function sections(markdown: string): Section[] {
  return markdown
    .split(/^## /m)
    .slice(1)
    .map((chunk) => {
      const newline = chunk.indexOf('\n')
      return { heading: chunk.slice(0, newline).trim(), body: chunk.slice(newline + 1) }
    })
}

/** The files (relative to the app) that the section's region markers name. */
function markedFiles(section: Section): string[] {
  const prefix = 'tests/setup-guide/app/'
  return [...section.body.matchAll(/<!-- region: (\S+?)#\S+ -->/g)]
    .map((match) => match[1]!)
    .filter((path) => path.startsWith(prefix))
    .map((path) => path.slice(prefix.length))
}

/** The non-comment lines of the section's `sh` blocks. */
function commands(section: Section): string[] {
  return [...section.body.matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((match) =>
    match[1]!
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  )
}

/** Where the workspace has a package installed, to link it into the temporary app. */
function installed(name: string): string {
  const candidates = [
    'node_modules',
    'examples/express-drizzle/node_modules',
    'examples/hono/node_modules',
    'examples/fastify/node_modules',
    'examples/next-app/node_modules',
    'packages/core/node_modules',
  ].map((dir) => join(repo, dir, name))
  const found = candidates.find((path) => existsSync(join(path, 'package.json')))
  if (!found) throw new Error(`${name} is not installed anywhere in the workspace`)
  return realpathSync(found)
}

function link(app: string, name: string): void {
  const target = join(app, 'node_modules', name)
  if (existsSync(target)) return
  mkdirSync(dirname(target), { recursive: true })
  symlinkSync(installed(name), target, 'dir')
}

/** A temporary app folder inside the repository that git and biome skip. */
function temporaryApp(name: string): string {
  const dir = join(repo, 'tests/setup-guide', `.${runScopedName(name)}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, '.gitignore'), '*\n')
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`)
  return dir
}

const skipReason = await postgresUnavailable()
const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

// The type check reads the packages' built declarations (dist/*.d.ts), as an app installed from
// npm does; `pnpm test` builds them first.
const unbuilt = [
  'core',
  'adapter-express',
  'adapter-next',
  'adapter-hono',
  'adapter-fastify',
  'store-drizzle',
]
  .map((dir) => `packages/${dir}/dist/index.d.ts`)
  .filter((file) => !existsSync(join(repo, file)))
const typecheckSkip =
  unbuilt.length > 0 ? `not built: ${unbuilt.join(', ')} (run pnpm build)` : false
if (typecheckSkip) {
  if (process.env.CI) throw new Error(`setup-guide.test.ts: ${typecheckSkip}`)
  console.warn(`\n[clerk-sync tests] SKIPPING the setup guide's type check: ${typecheckSkip}\n`)
}

// Both tests at once: the type check is CPU, the walk mostly waits on processes.
describe.concurrent('docs/setup.md', () => {
  it('numbers its steps in the order the app needs them', () => {
    const numbered = sections(guide)
      .map((s) => s.heading)
      .filter((heading) => /^\d+\. /.test(heading))
    expect(numbered).toEqual(STEPS)
  })

  it.skipIf(typecheckSkip)(
    'compiles: the guide app and the Next.js, Hono and Fastify snippets typecheck',
    async () => {
      const app = temporaryApp('setup-guide-tsc')
      made.push(app)
      cpSync(appSource, app, { recursive: true })
      const packages = [
        ...TYPECHECK_PACKAGES,
        ...sections(guide)
          .flatMap(commands)
          .filter((line) => line.startsWith('npm install'))
          .flatMap((line) => line.split(/\s+/).slice(2))
          .filter((word) => !word.startsWith('-')),
      ]
      for (const name of packages) link(app, name)
      const tsc = join(repo, 'node_modules/typescript/bin/tsc')
      const result = await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.json'], {
        cwd: app,
      }).catch((error: { stdout?: string; stderr?: string }) => {
        throw new Error(`tsc failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`)
      })
      expect(result.stdout).toBe('')
    },
    120_000,
  )

  describe.skipIf(skipReason)('walked in order with the emulator', () => {
    let emulator: ClerkEmulator
    let admin: pg.Client
    let database: pg.Client
    let databaseName: string
    const children: ReturnType<typeof spawnBoundChild>[] = []

    beforeAll(async () => {
      emulator = await startClerkEmulator()
      databaseName = runScopedName('setup_guide')
      admin = new pg.Client({ connectionString: postgresUrl })
      await admin.connect()
      await admin.query(`CREATE DATABASE ${databaseName}`)
      const url = new URL(postgresUrl)
      url.pathname = `/${databaseName}`
      database = new pg.Client({ connectionString: url.href })
      await database.connect()
    })
    afterAll(async () => {
      await Promise.all(children.map((child) => stopChild(child)))
      await database?.end()
      await emulator?.close()
      await admin?.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`)
      await admin?.end()
    })

    it('reaches synced users: create, update, role, delete, then a backfill of an earlier user', async () => {
      const app = temporaryApp('setup-guide-app')
      made.push(app)
      const databaseUrl = new URL(postgresUrl)
      databaseUrl.pathname = `/${databaseName}`
      const port = await freePort()
      const origin = `http://127.0.0.1:${port}`
      const clerk = createClerkClient({
        apiUrl: emulator.apiUrl,
        secretKey: emulator.secretKey,
        telemetry: { disabled: true },
      })

      // The existing app: its packages, files and users table.
      for (const name of EXISTING_APP_PACKAGES) link(app, name)
      for (const file of EXISTING_APP_FILES) cpSync(join(appSource, file), join(app, file))
      await database.query(EXISTING_USERS_TABLE)
      // A user who signed up before the webhook existed: only the backfill brings it.
      const earlier = await clerk.users.createUser({
        emailAddress: ['grace@example.com'],
        firstName: 'Grace',
      })

      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        PORT: String(port),
        CLERK_TELEMETRY_DISABLED: '1',
      }
      const knownValues: Record<string, string> = {
        CLERK_SECRET_KEY: emulator.secretKey,
        CLERK_PUBLISHABLE_KEY: emulator.publishableKey,
        CLERK_WEBHOOK_SIGNING_SECRET: emulator.signingSecret,
        CLERK_API_URL: emulator.apiUrl,
        DATABASE_URL: databaseUrl.href,
      }
      const output: string[] = []

      /** `npx tsx <file>` / `npx clerk-sync …` in the app folder, with the app's environment. */
      const launch = (command: string) => {
        const words = command
          .replaceAll('http://localhost:3000', origin)
          .split(/\s+/)
          .map((word) => word.replace(/^"\$([A-Z_]+)"$/, (_, name: string) => env[name] ?? ''))
        let args: string[]
        if (words[0] === 'npx' && words[1] === 'tsx') args = words.slice(2)
        else if (words[0] === 'npx' && words[1] === 'clerk-sync') {
          const cli = unbuilt.length > 0 ? 'packages/cli/src/cli.ts' : 'packages/cli/dist/cli.js'
          args = [join(repo, cli), ...words.slice(2)]
        } else throw new Error(`setup-guide.test.ts does not know how to run: ${command}`)
        const child = spawnBoundChild(
          [
            ...(unbuilt.length > 0 ? ['--conditions=@clerk-sync/source'] : []),
            '--import',
            tsxLoader,
            ...args,
          ],
          { cwd: app, env },
        )
        children.push(child)
        child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
        child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
        return child
      }
      const run = async (command: string) => {
        const child = launch(command)
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
        expect(code, `${command} failed:\n${output.join('')}`).toBe(0)
      }
      const row = async (id: string) =>
        (
          await database.query(
            'SELECT email, first_name, last_name, role FROM users WHERE id = $1',
            [id],
          )
        ).rows[0]

      const steps: Record<string, (section: Section) => Promise<void>> = {
        '1. Install': async (section) => {
          const installs = commands(section).filter((line) => line.startsWith('npm install'))
          expect(installs.length).toBeGreaterThan(0)
          // The Express + Drizzle line, and the development tools (the emulator, the CLI).
          for (const line of installs) {
            const words = line.split(/\s+/).slice(2)
            if (words.some((w) => /^@clerk-sync\/(next|hono|fastify|prisma)$/.test(w))) continue
            for (const name of words.filter((w) => !w.startsWith('-'))) link(app, name)
          }
        },
        '2. Set the environment variables': async (section) => {
          const names = [...section.body.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!)
          expect(names).toContain('CLERK_WEBHOOK_SIGNING_SECRET')
          for (const name of names) {
            if (name.startsWith('NEXT_PUBLIC_')) continue
            const value = knownValues[name]
            expect(value, `setup.md sets ${name}, which this test cannot fill`).toBeDefined()
            env[name] = value
          }
        },
        '3. Create the sync': async (section) => {
          for (const file of markedFiles(section)) cpSync(join(appSource, file), join(app, file))
        },
        '4. Mount the webhook route': async (section) => {
          const files = markedFiles(section).filter((file) => file.startsWith('src/'))
          expect(files).toContain('src/server.ts')
          for (const file of files) cpSync(join(appSource, file), join(app, file))
        },
        '5. Apply the migrations': async (section) => {
          for (const file of markedFiles(section)) cpSync(join(appSource, file), join(app, file))
          for (const command of commands(section)) await run(command)
          const tables = await database.query(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'clerk_sync_%'",
          )
          expect(tables.rows.length).toBeGreaterThan(0)
        },
        '6. Add the endpoint in the Clerk Dashboard': async (section) => {
          const path = /`https:\/\/[^`/]+(\/[^`\s]*)`/.exec(section.body)?.[1]
          expect(path, 'the endpoint URL in step 6').toBeDefined()
          for (const event of ['user.created', 'user.updated', 'user.deleted']) {
            expect(section.body).toContain(event)
          }
          emulator.addWebhookEndpoint(`${origin}${path}`)
        },
        '7. Start the app and check the route': async (section) => {
          const [start, ...rest] = commands(section)
          const server = launch(start!)
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`the app did not start:\n${output.join('')}`)),
              40_000,
            )
            server.stdout?.on('data', (chunk: Buffer) => {
              if (chunk.toString().includes('listening on')) {
                clearTimeout(timer)
                resolve()
              }
            })
            server.once('exit', () => reject(new Error(`the app exited:\n${output.join('')}`)))
          })
          // clerk-sync check exits 0 only when clerk-sync answered, with --secret only when the
          // secret matched and the store's tables exist.
          for (const command of rest) await run(command)
          expect(output.join('')).toContain('clerk-sync is ready')

          const { id } = await clerk.users.createUser({
            emailAddress: ['ada@example.com'],
            firstName: 'Ada',
            lastName: 'Byron',
          })
          await emulator.flush()
          // The log line step 7 shows, with its `…` standing for any characters.
          const shown = /^```\n(\[clerk-sync\] .*)\n```/m.exec(section.body)?.[1]
          expect(shown, 'the log line in step 7').toBeDefined()
          const pattern = shown!
            .split('…')
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('\\S*')
          expect(output.join('')).toMatch(new RegExp(pattern))
          expect(await row(id)).toEqual({
            email: 'ada@example.com',
            first_name: 'Ada',
            last_name: 'Byron',
            role: 'member',
          })
          await clerk.users.updateUser(id, { lastName: 'Lovelace' })
          await clerk.users.updateUserMetadata(id, { publicMetadata: { role: 'admin' } })
          await emulator.flush()
          expect(await row(id)).toMatchObject({ last_name: 'Lovelace', role: 'admin' })
          await clerk.users.deleteUser(id)
          await emulator.flush()
          expect(await row(id)).toBeUndefined()
          expect(await row(earlier.id)).toBeUndefined()
        },
        '8. Sync the users Clerk already has': async (section) => {
          for (const file of markedFiles(section)) cpSync(join(appSource, file), join(app, file))
          for (const command of commands(section)) await run(command)
          expect(await row(earlier.id)).toEqual({
            email: 'grace@example.com',
            first_name: 'Grace',
            last_name: null,
            role: 'member',
          })
        },
      }

      for (const section of sections(guide)) {
        if (!/^\d+\. /.test(section.heading)) continue
        const step = steps[section.heading]
        expect(step, `setup-guide.test.ts has no step "${section.heading}"`).toBeDefined()
        await step!(section)
      }
      expect(output.join('')).toContain('user.deleted')
    }, 120_000)
  })
})

// `prisma generate` into generated/prisma (never committed), skipped when the schema folder has not
// changed since the last run. Used by `pnpm db:generate`, `pnpm typecheck` and the tests.
//
// Prisma fetches a schema-engine binary even for `generate`, which never runs it; where that
// download is impossible (CI without network), any executable stands in, so /bin/true is used
// unless PRISMA_SCHEMA_ENGINE_BINARY is already set.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const schemaDir = join(appDir, 'prisma', 'schema')
const outputDir = join(appDir, 'generated', 'prisma')
const stamp = join(outputDir, 'schema.sha256')

function schemaHash() {
  const hash = createHash('sha256')
  for (const name of readdirSync(schemaDir).sort()) {
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(join(schemaDir, name)))
      .update('\0')
  }
  return hash.digest('hex')
}

export function generateClient() {
  const hash = schemaHash()
  if (
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === hash &&
    existsSync(join(outputDir, 'client.ts'))
  )
    return false
  const engine =
    process.env.PRISMA_SCHEMA_ENGINE_BINARY ??
    (process.platform === 'win32' ? undefined : '/bin/true')
  execFileSync(join(appDir, 'node_modules', '.bin', 'prisma'), ['generate'], {
    cwd: appDir,
    env: {
      ...process.env,
      ...(engine ? { PRISMA_SCHEMA_ENGINE_BINARY: engine } : {}),
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
    stdio: 'pipe',
  })
  writeFileSync(stamp, hash)
  return true
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(
    generateClient() ? 'Prisma client generated in generated/prisma' : 'Prisma client up to date',
  )
}

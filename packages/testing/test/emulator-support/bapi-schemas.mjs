#!/usr/bin/env node
// Extracts from Clerk's Backend API spec (bapi.yml, 2026-05-12) what the emulator tests check
// against: the response schemas of the endpoints the emulator serves, and every component schema
// they reach. `node packages/testing/test/emulator-support/bapi-schemas.mjs` rewrites the vendored
// copy in packages/testing/reference/, so the tests run where ../shared/ is absent.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const repoRoot = resolve(here, '../../../..')
export const sharedSpecPath = resolve(repoRoot, '../shared/clerk-reference/bapi.yml')
export const vendoredPath = join(repoRoot, 'packages/testing/reference/bapi-2026-05-12-users.json')

/** The operations the emulator implements: `METHOD path` as bapi.yml spells the path. */
export const OPERATIONS = [
  'GET /users',
  'POST /users',
  'GET /users/count',
  'GET /users/{user_id}',
  'PATCH /users/{user_id}',
  'DELETE /users/{user_id}',
  'PATCH /users/{user_id}/metadata',
  'PUT /users/{user_id}/metadata',
  'GET /jwks',
]

function resolvePointer(doc, ref) {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc)
}

function collectRefs(node, found) {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, found)
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.add(value)
      else collectRefs(value, found)
    }
  }
}

/** `{ info, operations: { 'GET /users': { '200': schema, ... } }, components: { schemas } }` */
export function extractUsersSchemas(doc, sourceSha256) {
  const operations = {}
  const refs = new Set()
  for (const operation of OPERATIONS) {
    const [method, path] = operation.split(' ')
    const responses = doc.paths[path][method.toLowerCase()].responses
    operations[operation] = {}
    for (const [status, response] of Object.entries(responses)) {
      const resolved = response.$ref ? resolvePointer(doc, response.$ref) : response
      const schema = resolved.content?.['application/json']?.schema
      if (!schema) continue
      operations[operation][status] = schema
      collectRefs(schema, refs)
    }
  }
  // Follow component references until no new one turns up.
  const schemas = {}
  const queue = [...refs]
  while (queue.length > 0) {
    const ref = queue.shift()
    const name = ref.replace('#/components/schemas/', '')
    if (schemas[name]) continue
    schemas[name] = doc.components.schemas[name]
    const more = new Set()
    collectRefs(schemas[name], more)
    queue.push(...more)
  }
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)))
  return {
    info: {
      source: 'clerk/openapi-specs bapi/2026-05-12.yml (shared/clerk-reference/bapi.yml)',
      version: doc.info.version,
      sha256: sourceSha256,
      generatedBy: 'packages/testing/test/emulator-support/bapi-schemas.mjs',
    },
    operations,
    components: { schemas: sorted },
  }
}

export async function extractFromSharedSpec() {
  const { parse } = await import('yaml')
  const text = readFileSync(sharedSpecPath, 'utf8')
  const sha = createHash('sha256').update(text).digest('hex')
  return extractUsersSchemas(parse(text), sha)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!existsSync(sharedSpecPath)) {
    console.error(`No spec at ${sharedSpecPath}`)
    process.exit(1)
  }
  const extracted = await extractFromSharedSpec()
  writeFileSync(vendoredPath, `${JSON.stringify(extracted, null, 2)}\n`)
  console.log(`Wrote ${vendoredPath} (${Object.keys(extracted.components.schemas).length} schemas)`)
}

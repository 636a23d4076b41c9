import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { assertLocalRegistry } from '../../scripts/release/verdaccio.js'
import {
  publishOrder,
  release,
  type WorkspacePackage,
  workspacePackages,
} from '../../scripts/release.js'

/**
 * scripts/release.ts: the publish order of this workspace, and that nothing reaches the registry
 * when changesets are pending or the build or the package checks fail (a real HTTP server stands
 * in as the registry and records every request; it must see none).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const cleanups: Array<() => unknown> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('publish order', () => {
  it('puts every workspace package after the packages it depends on', () => {
    const packages = workspacePackages(root).filter((pkg) => !pkg.private)
    const order = publishOrder(packages).map((pkg) => pkg.name)
    expect(order[0]).toBe('@clerk-sync/core')
    expect(order).toHaveLength(packages.length)
    for (const pkg of packages) {
      for (const need of pkg.needs) {
        expect(order.indexOf(need), `${need} before ${pkg.name}`).toBeLessThan(
          order.indexOf(pkg.name),
        )
      }
    }
    // The CLI needs core and the testing kit, and peers are counted too.
    expect(packages.find((pkg) => pkg.name === 'clerk-sync')?.needs).toEqual([
      '@clerk-sync/core',
      '@clerk-sync/testing',
    ])
    expect(packages.find((pkg) => pkg.name === '@clerk-sync/express')?.needs).toEqual([
      '@clerk-sync/core',
    ])
  })

  it('names a dependency cycle', () => {
    const pkg = (name: string, needs: string[]): WorkspacePackage => ({
      name,
      needs,
      version: '0.0.0',
      dir: name,
      private: false,
    })
    expect(() => publishOrder([pkg('a', ['b']), pkg('b', ['c']), pkg('c', ['a'])])).toThrow(
      'dependency cycle: a -> b -> c -> a',
    )
  })
})

describe('pnpm release refuses to publish', () => {
  async function registry(): Promise<{ url: string; requests: string[] }> {
    const requests: string[] = []
    const server: Server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`)
      response.writeHead(500).end()
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    cleanups.push(() => new Promise((done) => server.close(done)))
    const address = server.address()
    return {
      url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`,
      requests,
    }
  }

  function workspace(scripts: { build: string; check: string }, changesets: string[] = []) {
    const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-release-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    write('pnpm-workspace.yaml', 'packages:\n  - packages/*\n')
    write(
      'package.json',
      JSON.stringify({
        name: 'release-test',
        private: true,
        scripts: { build: scripts.build, 'check:packages': scripts.check },
      }),
    )
    write('.changeset/README.md', 'changesets\n')
    for (const name of changesets) write(`.changeset/${name}`, '---\n"a": patch\n---\n\nA.\n')
    write('packages/a/package.json', JSON.stringify({ name: 'release-test-a', version: '1.0.0' }))
    return dir
  }

  const pass = 'node -e "process.exit(0)"'
  const fail = 'node -e "process.exit(3)"'

  it.each([
    { build: fail, check: pass, pending: [], says: 'build failed' },
    { build: pass, check: fail, pending: [], says: 'package checks failed' },
    {
      build: pass,
      check: pass,
      pending: ['pending-one.md'],
      says: '1 changeset(s) not yet applied (pending-one.md)',
    },
  ])(
    'when $says',
    async ({ build, check, pending, says }) => {
      const { url, requests } = await registry()
      const dir = workspace({ build, check }, pending)
      expect(() => release(dir, { registry: url, gitTag: false, dryRun: false })).toThrow(
        new RegExp(`${says.replace(/[()]/g, '\\$&')}.*nothing was published`),
      )
      expect(requests).toEqual([])
    },
    60_000,
  )
})

describe('the release dry run', () => {
  it('publishes only to a registry on this machine', () => {
    for (const registry of [
      'https://registry.npmjs.org/',
      'http://registry.npmjs.org.127.0.0.1.nip.io/',
      'http://example.com:4873/',
    ]) {
      expect(() => assertLocalRegistry(registry), registry).toThrow('refusing to publish')
    }
    expect(() => assertLocalRegistry('http://127.0.0.1:4873/')).not.toThrow()
  })
})

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'

const exampleDir = fileURLToPath(new URL('../../', import.meta.url))

async function pgliteVersion(): Promise<string> {
  // The package's exports do not include its package.json: read it from node_modules.
  const manifest = await readFile(
    `${exampleDir}node_modules/@electric-sql/pglite/package.json`,
    'utf8',
  )
  return (JSON.parse(manifest) as { version: string }).version
}

/**
 * A freshly initialised, empty PGlite cluster, dumped once and cached in node_modules/.cache.
 * PGlite runs `initdb` on every in-memory start, which takes 5 to 15 s on a busy 2-core machine;
 * loading this dump takes about 2 s. Nothing of the app is in it: the demo still migrates.
 */
export async function pgliteTemplate(): Promise<{
  template: Blob
  path: string
  created: boolean
}> {
  const path = `${exampleDir}node_modules/.cache/clerk-sync-demo/pglite-${await pgliteVersion()}.tar.gz`
  try {
    return { template: new Blob([await readFile(path)]), path, created: false }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const fresh = await PGlite.create()
  const template = await fresh.dumpDataDir('gzip')
  await fresh.close()
  await mkdir(dirname(path), { recursive: true })
  // Written aside and renamed: a demo interrupted here leaves no half-written template.
  const partial = `${path}.${process.pid}.partial`
  await writeFile(partial, Buffer.from(await template.arrayBuffer()))
  await rename(partial, path)
  return { template, path, created: true }
}

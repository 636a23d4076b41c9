import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * Every changeset parses as changesets reads it (front matter of `"package": bump` lines) and names
 * packages that exist: a formatter once turned the front matter into markdown headings.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const packages = new Set(
  readdirSync(join(root, 'packages')).map(
    (dir) => JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')).name,
  ),
)
const changesets = readdirSync(join(root, '.changeset')).filter(
  (f) => f.endsWith('.md') && f !== 'README.md',
)

describe('changesets', () => {
  it('exist', () => {
    expect(changesets.length).toBeGreaterThan(0)
  })

  it.each(changesets)('%s has front matter changesets can read, naming real packages', (file) => {
    const text = readFileSync(join(root, '.changeset', file), 'utf8')
    const match = /^---\n((?:"[^"]+": (?:major|minor|patch)\n)+)---\n\n\S/.exec(text)
    expect(match, 'front matter').not.toBeNull()
    for (const line of match![1]!.trim().split('\n')) {
      expect(packages).toContain(/^"([^"]+)"/.exec(line)![1])
    }
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { catalogue } from '../../test-support/trust/catalogue.js'

/** docs/reliability.md lists every catalogue case, so the table cannot drift from the tests. */
describe('docs/reliability.md', () => {
  const doc = readFileSync(new URL('../../docs/reliability.md', import.meta.url), 'utf8')
  // The second cell of each table row (cells are padded by the formatter).
  const names = doc
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .map((line) =>
      line
        .split(/(?<!\\)\|/)[2]
        ?.trim()
        .replace(/\\\|/g, '|'),
    )

  it('has at least 40 catalogue cases, each in a row of the table', () => {
    expect(catalogue.length).toBeGreaterThanOrEqual(40)
    const missing = catalogue.filter((c) => !names.includes(c.name))
    expect(missing.map((c) => c.name)).toEqual([])
  })

  it('states the number of cases it lists', () => {
    expect(doc).toContain(`${catalogue.length} cases:`)
  })

  it('keeps a Convergence section for the chaos tables', () => {
    expect(doc).toMatch(/^## Convergence$/m)
  })
})

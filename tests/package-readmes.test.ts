import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * The README npm shows for each package: what it is, how to install it (with its required peers),
 * a minimal example, a table of its options naming every key of its options type (read from the
 * source with the TypeScript compiler, so a new option without a row fails here), and the guides,
 * all linked absolutely: a relative link is dead on npmjs.com.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const GUIDES = ['setup', 'testing', 'troubleshooting', 'architecture'].map(
  (name) => `https://github.com/clerk-sync/clerk-sync/blob/main/docs/${name}.md`,
)
/** Each package's options types: the file (under the package) and the exported type's name. */
const OPTIONS: Record<string, Array<[file: string, type: string]>> = {
  core: [['src/sync/options.ts', 'ClerkSyncOptions']],
  'adapter-express': [['src/set-role.ts', 'SetRoleHandlerOptions']],
  'adapter-fastify': [
    ['src/webhook.ts', 'ClerkSyncWebhookOptions'],
    ['src/set-role.ts', 'SetRoleHandlerOptions'],
  ],
  'adapter-hono': [['src/set-role.ts', 'SetRoleHandlerOptions']],
  'adapter-next': [['src/app-router.ts', 'NextSetRoleOptions']],
  'store-drizzle': [['src/drizzle-store.ts', 'DrizzleStoreOptions']],
  'store-prisma': [['src/prisma-store.ts', 'PrismaStoreOptions']],
  'queue-pg-boss': [['src/options.ts', 'PgBossQueueOptions']],
  testing: [['src/emulator/options.ts', 'ClerkEmulatorOptions']],
  cli: [['src/config/cli-config.ts', 'CliConfig']],
}
const SECTIONS = ['## Install', '## Example', '## Options', '## Guides']

const packages = readdirSync(join(root, 'packages')).map((dir) => ({
  dir,
  manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  readme: readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8'),
}))

/**
 * The property names of an exported interface or type alias, read from the syntax alone (a full
 * type-checked program over these files parses some thousand declaration files): members,
 * `extends`, intersections and aliases of other types, followed through relative imports and
 * `@clerk-sync/*` packages (to their sources) and re-exports.
 */
function typeKeys(file: string, name: string, seen = new Set<string>()): string[] {
  if (seen.has(`${file}#${name}`)) return []
  seen.add(`${file}#${name}`)
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest)
  const resolveImport = (specifier: string): string => {
    const scoped = specifier.match(/^@clerk-sync\/([\w-]+)(?:\/(.+))?$/)
    if (scoped) {
      const dir = readdirSync(join(root, 'packages')).find(
        (d) =>
          JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')).name ===
          `@clerk-sync/${scoped[1]}`,
      )
      const manifest = JSON.parse(
        readFileSync(join(root, 'packages', dir!, 'package.json'), 'utf8'),
      )
      const entry = manifest.exports[scoped[2] ? `./${scoped[2]}` : '.']['@clerk-sync/source']
      return join(root, 'packages', dir!, entry)
    }
    return resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))
  }
  const keysOfType = (node: ts.TypeNode): string[] => {
    if (ts.isTypeLiteralNode(node)) return memberNames(node.members)
    if (ts.isIntersectionTypeNode(node)) return node.types.flatMap(keysOfType)
    if (ts.isParenthesizedTypeNode(node)) return keysOfType(node.type)
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      return keysOfName(node.typeName.text)
    }
    throw new Error(`${file}: cannot read the keys of ${node.getText(source)}`)
  }
  const memberNames = (members: ts.NodeArray<ts.TypeElement>): string[] =>
    members.flatMap((member) => (member.name ? [member.name.getText(source)] : []))
  const keysOfName = (wanted: string): string[] => {
    for (const statement of source.statements) {
      if (ts.isInterfaceDeclaration(statement) && statement.name.text === wanted) {
        const inherited = (statement.heritageClauses ?? []).flatMap((clause) =>
          clause.types.flatMap((type) => keysOfType(type as unknown as ts.TypeNode)),
        )
        return [...inherited, ...memberNames(statement.members)]
      }
      if (ts.isTypeAliasDeclaration(statement) && statement.name.text === wanted) {
        return keysOfType(statement.type)
      }
      const from =
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
        statement.moduleSpecifier &&
        ts.isStringLiteral(statement.moduleSpecifier)
          ? statement.moduleSpecifier.text
          : undefined
      if (!from) continue
      const bindings = ts.isImportDeclaration(statement)
        ? statement.importClause?.namedBindings
        : (statement as ts.ExportDeclaration).exportClause
      if (!bindings || !('elements' in bindings)) continue
      for (const element of bindings.elements as ts.NodeArray<ts.ImportSpecifier>) {
        if (element.name.text === wanted) {
          return typeKeys(resolveImport(from), (element.propertyName ?? element.name).text, seen)
        }
      }
    }
    throw new Error(`${file} declares no ${wanted}`)
  }
  return keysOfName(name)
}

/** The text under a `## ` heading, up to the next `## `. */
function section(readme: string, heading: string): string {
  const start = readme.split('\n').indexOf(heading)
  if (start < 0) return ''
  const rest = readme.split('\n').slice(start + 1)
  const end = rest.findIndex((line) => line.startsWith('## '))
  return rest.slice(0, end < 0 ? undefined : end).join('\n')
}

/** The anchors GitHub gives a markdown file's headings (lower case, punctuation dropped, `-`s). */
function anchors(markdown: string): string[] {
  const seen = new Map<string, number>()
  return prose(markdown)
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => {
      const slug = line
        .replace(/^#+ /, '')
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-')
      const count = seen.get(slug) ?? 0
      seen.set(slug, count + 1)
      return count === 0 ? slug : `${slug}-${count}`
    })
}

/** Lines outside fenced code blocks (a `[x](y)` inside code is code, not a link). */
function prose(readme: string): string {
  let fenced = false
  return readme
    .split('\n')
    .filter((line) => {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
      return !fenced && !/^\s*(```|~~~)/.test(line)
    })
    .join('\n')
}

/**
 * What each published entry exports at run time, from package-exports' snapshot (which checks the
 * built files): `@clerk-sync/core/node` → its names.
 */
function publishedNames(): Map<string, Set<string>> {
  const snapshot = readFileSync(
    join(root, 'tests/__snapshots__/package-exports.test.ts.snap'),
    'utf8',
  )
  const names = new Map<string, Set<string>>()
  for (const [, name, subpath, body] of snapshot.matchAll(
    /^exports\[`'([^']+)' as published > exports the same names from ESM and CJS at (\S+) 1`\] = `\n([\s\S]*?)\n`;$/gm,
  )) {
    const list = JSON.parse(body!.replace(/,(\s*[\]}])/g, '$1')).names as string[]
    names.set(subpath === '.' ? name! : `${name}${subpath!.slice(1)}`, new Set(list))
  }
  return names
}

describe('package READMEs', () => {
  describe.each(packages)('packages/$dir/README.md', ({ dir, manifest, readme }) => {
    it('opens with the package name and a paragraph on what it is', () => {
      const lines = readme.split('\n')
      expect(lines[0]).toMatch(new RegExp(`^# ${manifest.name.replace(/[/@]/g, '\\$&')}\\b`))
      const firstHeading = lines.findIndex((line, i) => i > 0 && line.startsWith('## '))
      const intro = lines.slice(1, firstHeading).join(' ').trim()
      expect(intro.length).toBeGreaterThan(80)
    })

    it('has the sections in order: install, example, options, guides', () => {
      const positions = SECTIONS.map((heading) => readme.split('\n').indexOf(heading))
      expect(
        positions.every((p) => p > 0),
        `${SECTIONS.join(', ')}: ${positions}`,
      ).toBe(true)
      expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    })

    it('installs the package with every peer it needs', () => {
      const install = section(readme, '## Install')
      const command = install.split('\n').find((line) => /^npm i(nstall)? /.test(line))
      expect(command, 'an `npm i …` line').toBeDefined()
      const words = command!.split(/\s+/)
      expect(words).toContain(manifest.name)
      const optional = manifest.peerDependenciesMeta ?? {}
      for (const peer of Object.keys(manifest.peerDependencies ?? {})) {
        if (!optional[peer]?.optional) expect(words, `peer ${peer}`).toContain(peer)
      }
    })

    it('imports from clerk-sync packages only names they export', () => {
      const exported = publishedNames()
      expect(exported.size).toBeGreaterThan(10)
      const code = [...readme.matchAll(/```(?:ts|tsx|js)\n([\s\S]*?)\n```/g)]
        .map((m) => m[1])
        .join('\n')
      const unknown: string[] = []
      for (const [, clause, from] of code.matchAll(
        /^import (?!type )(?:[\w$]+\s*,\s*)?\{([^}]*)\} from '(@clerk-sync\/[^']+)'/gm,
      )) {
        const names = exported.get(from!)
        expect(names, `${from} is not a published entry`).toBeDefined()
        for (const item of clause!.split(',').map((part) => part.trim())) {
          if (!item || item.startsWith('type ')) continue
          const name = item.split(/\s+as\s+/)[0]!
          if (!names!.has(name)) unknown.push(`${name} from ${from}`)
        }
      }
      expect(unknown).toEqual([])
    })

    it('shows a minimal example in code', () => {
      expect(section(readme, '## Example')).toMatch(/```(ts|js|tsx|sh|bash)\n[\s\S]+?\n```/)
    })

    it('lists every option with its default and meaning', () => {
      const table = section(readme, '## Options')
        .split('\n')
        .filter((line) => line.startsWith('|'))
      expect(table[0]).toMatch(/^\| *Option *\| *Default *\| *Meaning *\|$/)
      // One table or several (an adapter's webhook and set-role options), each with its header.
      const rows = table
        .filter((line) => !/^\| *Option *\|/.test(line) && !/^\|[ :|-]+\|$/.test(line))
        .map((line) =>
          line
            .slice(1, -1)
            .split(/(?<!\\)\|/)
            .map((cell) => cell.trim()),
        )
      for (const row of rows) {
        expect(row, `row ${row.join(' | ')}`).toHaveLength(3)
        expect(
          row.every((cell) => cell.length > 0),
          `empty cell in ${row.join(' | ')}`,
        ).toBe(true)
      }
      const named = new Set(rows.map((row) => row[0]!.match(/^`([\w.]+)`/)?.[1]))
      for (const [file, type] of OPTIONS[dir]!) {
        const keys = typeKeys(join(root, 'packages', dir, file), type)
        expect(keys.length, `${type} in ${file}`).toBeGreaterThan(0)
        const missing = keys.filter((key) => !named.has(key))
        expect(missing, `${type} (${file}) keys without a row`).toEqual([])
      }
    })

    it('links the guides, and every link is absolute', () => {
      const guides = section(readme, '## Guides')
      for (const guide of GUIDES) expect(guides).toContain(`(${guide})`)
      const text = prose(readme)
      const targets = [
        ...text.matchAll(/\]\(\s*<?([^)\s>]+)/g),
        ...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$/gm),
        ...text.matchAll(/(?:href|src)="([^"]+)"/g),
      ].map((match) => match[1]!)
      expect(targets.length).toBeGreaterThan(0)
      expect(targets.filter((target) => !/^(https?:\/\/|mailto:|#)/.test(target))).toEqual([])
      // Links into this repository name a file that exists and, for a fragment, one of its headings.
      for (const target of targets) {
        const [path, fragment] = target.startsWith('#')
          ? [`packages/${dir}/README.md`, target.slice(1)]
          : (target
              .match(
                /^https:\/\/github\.com\/clerk-sync\/clerk-sync\/(?:blob|tree)\/main\/([^#]+)#?(.*)$/,
              )
              ?.slice(1) ?? [])
        if (path === undefined) continue
        expect(existsSync(join(root, path)), `${target}: no ${path}`).toBe(true)
        if (fragment && path.endsWith('.md')) {
          expect(anchors(readFileSync(join(root, path), 'utf8')), target).toContain(fragment)
        }
      }
    })
  })
})

/**
 * What a `--cpu-prof` profile says, in text: `pnpm exec tsx bench/profile-summary.ts <file>
 * [--top N] [--events N]`. Prints the busy time (every sample but `(idle)`), then the top functions
 * by self time and by total time (time with the function anywhere on the stack, each sample counted
 * once per function however deep the recursion), and self time per file (a package's files under
 * its name, node's own under `node:`). With `--events`, every figure is also per event (µs).
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** A short file name: `core/dist/index.js`, `express/lib/router.js`, `node:internal/...`. */
function shortFile(url: string): string {
  if (url === '') return '(native)'
  const path = url.replace(/^file:\/\//, '')
  const inModules = path.lastIndexOf('/node_modules/')
  if (inModules >= 0) return path.slice(inModules + '/node_modules/'.length)
  const inPackages = path.indexOf('/packages/')
  if (inPackages >= 0) return path.slice(inPackages + '/packages/'.length)
  if (!path.startsWith('/')) return path.startsWith('node:') ? path : `node:${path}`
  return path.split('/').slice(-2).join('/')
}

function summarize(profile: Profile, top: number, events: number | null): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id)
  const name = (node: ProfileNode) => {
    const frame = node.callFrame
    const fn = frame.functionName || '(anonymous)'
    return frame.url ? `${fn} ${shortFile(frame.url)}:${frame.lineNumber + 1}` : fn
  }
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  const files = new Map<string, number>()
  let busy = 0
  let all = 0
  // timeDeltas[i] is the time since the previous sample; it is spent in sample i's stack.
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0
    const node = byId.get(id)
    if (!node) return
    all += micros
    if (node.callFrame.functionName === '(idle)') return
    busy += micros
    const key = name(node)
    self.set(key, (self.get(key) ?? 0) + micros)
    const file = node.callFrame.url ? shortFile(node.callFrame.url) : node.callFrame.functionName
    files.set(file, (files.get(file) ?? 0) + micros)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)
      if (!frame || frame.callFrame.functionName === '(root)') continue
      const label = name(frame)
      if (seen.has(label)) continue
      seen.add(label)
      total.set(label, (total.get(label) ?? 0) + micros)
    }
  })
  const ms = (micros: number) => (micros / 1000).toFixed(1).padStart(9)
  const share = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)}%`
  const perEvent = (micros: number) =>
    events ? `${(micros / events).toFixed(1).padStart(8)} µs/ev` : ''
  const table = (title: string, entries: Map<string, number>) => [
    '',
    title,
    ...[...entries.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, micros]) => `${ms(micros)} ms ${share(micros)} ${perEvent(micros)}  ${key}`),
  ]
  return [
    `profile: ${ms(all).trim()} ms sampled, ${ms(busy).trim()} ms busy (not idle)${events ? `, ${(busy / 1000 / events).toFixed(3)} ms busy per event over ${events} events` : ''}`,
    ...table(`top ${top} by self time`, self),
    ...table(`top ${top} by total time`, total),
    ...table(`top ${top} files by self time`, files),
  ].join('\n')
}

function main(argv: string[]): void {
  const file = argv.find(
    (arg, index) => !arg.startsWith('--') && !argv[index - 1]?.startsWith('--'),
  )
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--events N]')
    process.exit(2)
  }
  const option = (flag: string) => {
    const index = argv.indexOf(flag)
    return index >= 0 ? Number(argv[index + 1]) : null
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  console.log(summarize(profile, option('--top') ?? 30, option('--events')))
}

main(process.argv.slice(2))

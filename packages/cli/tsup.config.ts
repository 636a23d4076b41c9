import { defineConfig } from 'tsup'

// A bin, not a library: one ESM file, dependencies left to node_modules.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
})

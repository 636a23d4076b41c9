import { defineConfig, type Options } from 'tsup'

const common: Options = {
  sourcemap: true,
  clean: false,
  target: 'node20',
  external: ['vitest', '@clerk-sync/core'],
}

export default defineConfig([
  {
    ...common,
    entry: {
      index: 'src/index.ts',
      conformance: 'src/conformance/index.ts',
      emulator: 'src/emulator/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
  },
  {
    // `require` of the conformance entry gets this file: an error that names the fix.
    ...common,
    entry: { 'conformance-require': 'src/conformance/require-error.ts' },
    format: ['cjs'],
    dts: false,
  },
])

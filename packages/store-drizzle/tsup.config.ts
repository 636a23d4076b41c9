import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    pg: 'src/schema/pg.ts',
    mysql: 'src/schema/mysql.ts',
    sqlite: 'src/schema/sqlite.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: false,
  target: 'node20',
  external: [/^drizzle-orm/, '@clerk-sync/core'],
})

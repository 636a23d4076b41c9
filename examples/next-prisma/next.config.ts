import { fileURLToPath } from 'node:url'
import type { NextConfig } from 'next'

const config: NextConfig = {
  // The clerk-sync packages are workspace links; Turbopack must see the repository root.
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
  outputFileTracingRoot: fileURLToPath(new URL('../..', import.meta.url)),
  // forbidden() in the admin page: a 403 with app/forbidden.tsx for signed-in non-admins.
  experimental: { authInterrupts: true },
}

export default config

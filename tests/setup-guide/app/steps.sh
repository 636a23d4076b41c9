# The shell steps of docs/setup.md, in order; tests/setup-guide.test.ts runs them.

# #region install
npm install @clerk-sync/core @clerk-sync/express @clerk-sync/drizzle @clerk/backend
# #endregion install

# #region install-next
npm install @clerk-sync/core @clerk-sync/next @clerk-sync/drizzle @clerk/backend
# #endregion install-next

# #region install-hono
npm install @clerk-sync/core @clerk-sync/hono @clerk-sync/drizzle @clerk/backend
# #endregion install-hono

# #region install-fastify
npm install @clerk-sync/core @clerk-sync/fastify @clerk-sync/drizzle @clerk/backend
# #endregion install-fastify

# #region install-prisma
npm install @clerk-sync/prisma
# #endregion install-prisma

# #region install-dev
npm install --save-dev clerk-sync @clerk-sync/testing
# #endregion install-dev

# #region migrate
npx tsx src/migrate.ts
# #endregion migrate

# #region start
npx tsx src/server.ts
# #endregion start

# #region check
npx clerk-sync check --url http://localhost:3000/api/webhooks --secret "$CLERK_WEBHOOK_SIGNING_SECRET"
# #endregion check

# #region backfill
npx tsx src/backfill.ts
# #endregion backfill

# #region emulator
npx clerk-sync emulator --state .clerk-emulator.json --webhook-url http://localhost:3000/api/webhooks
# #endregion emulator

# #region tunnel
npx clerk-sync check --url https://your-tunnel.example.com/api/webhooks
# #endregion tunnel

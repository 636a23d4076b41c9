// Runs once before the test files: prepares what tests need generated (never committed).
export default async function setup(): Promise<void> {
  // @ts-expect-error: a plain .mjs script without types
  const { generateTestClients } = await import(
    '../packages/store-prisma/scripts/generate-test-clients.mjs'
  )
  generateTestClients()
}

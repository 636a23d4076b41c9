// What `require('@clerk-sync/testing/conformance')` loads. The suite runs inside vitest, and vitest
// is ESM-only: its CommonJS entry throws on load. Fail here instead, with the fix in the message.
throw new Error(
  '@clerk-sync/testing/conformance runs inside vitest, which cannot be loaded with require(). ' +
    "Import it from a vitest test file instead: import { storeConformance } from '@clerk-sync/testing/conformance'.",
)

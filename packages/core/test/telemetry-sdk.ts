import { createRequire } from 'node:module'

/**
 * The OpenTelemetry SDK, loaded for tests. Vitest starts its workers with `--conditions module`
 * (from the root config's resolve conditions), under which the SDK's CommonJS files would
 * `require('@opentelemetry/api')` as its bundler-only "module" build (extensionless imports) and
 * fail. So that one resolution is answered with the API's CommonJS build, as a plain Node app
 * gets it; the API keeps its registrations on a global, so every copy sees the same providers.
 */
const require = createRequire(import.meta.url)
const apiModuleBuild = require.resolve('@opentelemetry/api')
const apiCommonJsBuild = apiModuleBuild.replace(/\/build\/esm\/index\.js$/, '/build/src/index.js')
if (apiModuleBuild !== apiCommonJsBuild) {
  require(apiCommonJsBuild)
  require.cache[apiModuleBuild] = require.cache[apiCommonJsBuild]
}

export const sdkMetrics: typeof import('@opentelemetry/sdk-metrics') = await import(
  '@opentelemetry/sdk-metrics'
)
export const sdkTrace: typeof import('@opentelemetry/sdk-trace-base') = await import(
  '@opentelemetry/sdk-trace-base'
)

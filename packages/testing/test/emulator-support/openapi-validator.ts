import { existsSync, readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import {
  type ExtractedSchemas,
  extractFromSharedSpec,
  sharedSpecPath,
  vendoredPath,
} from './bapi-schemas.mjs'

/** The spec from ../shared when CI laid it beside the clone, else the vendored extract. */
export async function loadBapiSchemas(): Promise<{ schemas: ExtractedSchemas; from: string }> {
  if (existsSync(sharedSpecPath))
    return { schemas: await extractFromSharedSpec(), from: sharedSpecPath }
  return { schemas: JSON.parse(readFileSync(vendoredPath, 'utf8')), from: vendoredPath }
}

type Node = Record<string, unknown>

/**
 * OpenAPI 3.0 schema to JSON Schema: `nullable: true` becomes a `null` type (or, beside
 * `oneOf`/`allOf`/`$ref`, an `anyOf` with `{ type: 'null' }`, since the branches themselves never
 * admit null), and component `$ref`s point into the schema registered as `bapi`.
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema)
  if (!node || typeof node !== 'object') return node
  const out: Node = {}
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'nullable' || key === 'discriminator' || key === 'example') continue
    if (key === '$ref' && typeof value === 'string') out.$ref = value.replace(/^#/, 'bapi#')
    else if (key === 'properties' && value && typeof value === 'object') {
      // Property names are data, not keywords: convert each value, keep the names.
      out.properties = Object.fromEntries(
        Object.entries(value as Node).map(([name, schema]) => [name, toJsonSchema(schema)]),
      )
    } else out[key] = toJsonSchema(value)
  }
  if ((node as Node).nullable !== true) return out
  if (typeof out.type === 'string' && !out.oneOf && !out.anyOf && !out.allOf && !out.$ref) {
    out.type = [out.type, 'null']
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null]
    return out
  }
  return { anyOf: [{ type: 'null' }, out] }
}

export interface ResponseValidator {
  /** Errors for `body` as the answer `status` of `operation` (e.g. `GET /users/{user_id}`). */
  check(operation: string, status: number, body: unknown): string[]
  /** Errors for `value` against a component schema, e.g. `User`. */
  checkComponent(name: string, value: unknown): string[]
}

export function createResponseValidator(schemas: ExtractedSchemas): ResponseValidator {
  // strict: false lets the spec's own keywords (x-speakeasy-*, deprecated, format int64) pass.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema({ $id: 'bapi', components: toJsonSchema(schemas.components) })
  const cache = new Map<string, ValidateFunction>()
  const compiled = (key: string, schema: object) => {
    let validate = cache.get(key)
    if (!validate) {
      validate = ajv.compile(toJsonSchema(schema) as object)
      cache.set(key, validate)
    }
    return validate
  }
  const run = (validate: ValidateFunction, value: unknown) =>
    validate(value)
      ? []
      : (validate.errors ?? []).map(
          (e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
        )
  const errorsSchema = { $ref: '#/components/schemas/ClerkErrors' }
  return {
    check(operation, status, body) {
      const responses = schemas.operations[operation]
      if (!responses) return [`no operation ${operation} in the spec`]
      // Statuses the spec does not list for this path (429, 415…) still carry ClerkErrors, the
      // body of every Clerk error response.
      const schema = responses[String(status)] ?? (status >= 400 ? errorsSchema : undefined)
      if (!schema) return [`${operation} has no ${status} response in the spec`]
      return run(compiled(`${operation} ${status}`, schema), body)
    },
    checkComponent(name, value) {
      return run(compiled(name, { $ref: `#/components/schemas/${name}` }), value)
    },
  }
}

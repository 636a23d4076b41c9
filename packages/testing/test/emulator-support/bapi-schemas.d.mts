export declare const repoRoot: string
export declare const sharedSpecPath: string
export declare const vendoredPath: string
export declare const OPERATIONS: string[]

export interface ExtractedSchemas {
  info: { source: string; version: string; sha256: string; generatedBy: string }
  operations: Record<string, Record<string, object>>
  components: { schemas: Record<string, object> }
}

export declare function extractUsersSchemas(doc: unknown, sourceSha256: string): ExtractedSchemas
export declare function extractFromSharedSpec(): Promise<ExtractedSchemas>

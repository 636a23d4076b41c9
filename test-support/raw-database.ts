/** Direct SQL against the test database, around Drizzle: what the conformance suite checks with. */
export type Row = Record<string, unknown>

export interface RawDatabase {
  dialect: 'pg' | 'mysql' | 'sqlite'
  /** `?` placeholders in every dialect (rewritten to `$n` for Postgres). */
  query(text: string, params?: unknown[]): Promise<Row[]>
}

export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value))
  return new Date(
    String(value).includes('T') ? String(value) : `${String(value).replace(' ', 'T')}Z`,
  )
}

export function pgPlaceholders(text: string): string {
  let n = 0
  return text.replace(/\?/g, () => `$${++n}`)
}

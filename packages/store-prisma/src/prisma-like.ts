/**
 * The parts of a PrismaClient (any generated client, Prisma 7) the store uses. Typed loosely on
 * purpose: the app's client is generated from the app's schema.
 */
export interface RawCapable {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>
}

export type Delegate = {
  findMany(args: unknown): Promise<Record<string, unknown>[]>
  findUnique(args: unknown): Promise<Record<string, unknown> | null>
  create(args: unknown): Promise<unknown>
  createMany(args: unknown): Promise<unknown>
  update(args: unknown): Promise<unknown>
  updateMany(args: unknown): Promise<{ count: number }>
  deleteMany(args: unknown): Promise<{ count: number }>
  groupBy(args: unknown): Promise<Record<string, unknown>[]>
}

export type TransactionClient = RawCapable & Record<string, unknown>

export interface PrismaClientLike extends RawCapable {
  $transaction<T>(
    fn: (tx: TransactionClient) => Promise<T>,
    options?: { maxWait?: number; timeout?: number; isolationLevel?: string },
  ): Promise<T>
}

export type Provider = 'postgresql' | 'mysql' | 'sqlite'

interface PrismaInternals {
  _activeProvider?: string
  _engineConfig?: { inlineSchema?: string; adapter?: { options?: { schema?: unknown } } }
}

/** The provider the client was generated for, from its (internal) config. */
export function clientProvider(prisma: unknown): Provider | undefined {
  const provider = (prisma as PrismaInternals)._activeProvider
  if (provider === 'postgresql' || provider === 'postgres' || provider === 'cockroachdb')
    return 'postgresql'
  if (provider === 'mysql' || provider === 'sqlite') return provider
  return undefined
}

/** The schema the client was generated from, when the client exposes it. */
export function clientSchema(prisma: unknown): string | undefined {
  return (prisma as PrismaInternals)._engineConfig?.inlineSchema
}

/**
 * The Postgres schema Prisma qualifies the app's models with: the driver adapter's `schema` option
 * (`new PrismaPg(pool, { schema })`), when the client exposes its adapter.
 */
export function adapterSchema(prisma: unknown): string | undefined {
  const schema = (prisma as PrismaInternals)._engineConfig?.adapter?.options?.schema
  return typeof schema === 'string' && schema ? schema : undefined
}

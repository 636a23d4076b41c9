export {
  type LegacyUserFields,
  type PrismaLegacyUsersOptions,
  prismaLegacyUsers,
} from './legacy-users.js'
export type { Provider } from './prisma-like.js'
export { type PrismaStoreOptions, type PrismaUserStore, prismaStore } from './prisma-store.js'
export type { SyncedField, UserFields, UserModelOption } from './user-model.js'

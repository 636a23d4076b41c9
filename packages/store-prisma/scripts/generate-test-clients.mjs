// Generates the Prisma clients the tests use (never committed): for each provider, the shipped
// schema fragment (prisma/<provider>.prisma) plus the seed app's models, into
// test/generated/<provider>/client. Skipped when the schema has not changed.
//
// `prisma generate` wants a schema engine binary, which it would download from a host this
// machine cannot reach. Generating does not run it, so any executable stands in.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
export const providers = ['postgresql', 'mysql', 'sqlite']

/** The seed app's models (and Member, every synced field under its own name) for one provider. */
export function appModels(provider) {
  const time =
    provider === 'postgresql'
      ? ' @db.Timestamptz(3)'
      : provider === 'mysql'
        ? ' @db.DateTime(3)'
        : ''
  const my = (type) => (provider === 'mysql' ? ` @db.${type}` : '')
  return `
model User {
  id        String    @id${my('VarChar(191)')}
  email     String    @unique${my('VarChar(255)')}
  firstName String?   @map("first_name")${my('VarChar(255)')}
  lastName  String?   @map("last_name")${my('VarChar(255)')}
  role      String    @default("client")${my('VarChar(32)')}
  password  String?${my('VarChar(255)')}
  createdAt DateTime  @default(now()) @map("created_at")${time}
  updatedAt DateTime  @default(now()) @map("updated_at")${time}
  workouts  Workout[]

  @@map("users")
}

model Workout {
  id     Int    @id @default(autoincrement())
  userId String @map("user_id")${my('VarChar(191)')}
  name   String${my('VarChar(255)')}
  user   User   @relation(fields: [userId], references: [id], onDelete: Cascade)

  @@map("workouts")
}

model Member {
  memberId     String   @id @map("member_id")${my('VarChar(191)')}
  emailAddress String?  @map("email_address")${my('VarChar(255)')}
  givenName    String?  @map("given_name")${my('VarChar(255)')}
  familyName   String?  @map("family_name")${my('VarChar(255)')}
  handle       String?${my('VarChar(255)')}
  phoneNumber  String?  @map("phone_number")${my('VarChar(32)')}
  avatarUrl    String?  @map("avatar_url")${my('VarChar(2048)')}
  accessRole   String   @map("access_role")${my('VarChar(32)')}
  joinedAt     DateTime @map("joined_at")${time}
  changedAt    DateTime @map("changed_at")${time}
  plan         String?${my('VarChar(32)')}
  password     String?${my('VarChar(255)')}
  /// Set by onDelete 'soft' (the column is added after the seed app's DDL).
  leftAt       DateTime? @map("left_at")${time}

  @@map("members")
}
${provider === 'postgresql' ? postgresModels : ''}`
}

/**
 * Postgres only, for the one-statement upsert: an enum role with Prisma's default DateTime
 * (\`timestamp(3)\`, without time zone), and a model the database alone cannot fill (a client-side
 * default and \`@updatedAt\`), for which the store keeps the delegate.
 */
const postgresModels = `
enum StaffRole {
  admin
  member
}

model Staff {
  id        String    @id
  email     String?   @unique
  role      StaffRole @default(member)
  createdAt DateTime  @map("created_at")
  updatedAt DateTime  @map("updated_at")

  @@map("staff")
}

model Badge {
  id        String   @id
  email     String?
  role      String
  token     String   @default(cuid())
  touchedAt DateTime @updatedAt @map("touched_at")

  @@map("badges")
}
`

function schemaFor(provider) {
  const fragment = readFileSync(join(packageDir, 'prisma', `${provider}.prisma`), 'utf8')
  return `generator client {
  provider     = "prisma-client"
  output       = "./client"
  moduleFormat = "esm"
}

datasource db {
  provider = "${provider}"
}

${fragment}
${appModels(provider)}`
}

export function generateTestClients() {
  for (const provider of providers) {
    const dir = join(packageDir, 'test', 'generated', provider)
    const schema = schemaFor(provider)
    const hash = createHash('sha256').update(schema).digest('hex')
    const stamp = join(dir, 'schema.sha256')
    if (
      existsSync(stamp) &&
      readFileSync(stamp, 'utf8') === hash &&
      existsSync(join(dir, 'client', 'client.ts'))
    )
      continue
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'schema.prisma'), schema)
    execFileSync(
      join(packageDir, 'node_modules', '.bin', 'prisma'),
      ['generate', '--schema', join(dir, 'schema.prisma')],
      {
        cwd: packageDir,
        env: {
          ...process.env,
          PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true',
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
          CHECKPOINT_DISABLE: '1',
        },
        stdio: 'pipe',
      },
    )
    writeFileSync(stamp, hash)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) generateTestClients()

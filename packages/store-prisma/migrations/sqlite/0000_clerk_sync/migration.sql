-- clerk-sync tables for SQLite (matches prisma/sqlite.prisma; DateTime as Prisma stores it).
CREATE TABLE "clerk_sync_users" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "username" TEXT,
    "phone" TEXT,
    "image_url" TEXT,
    "role" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "extra" JSONB
);

CREATE TABLE "clerk_sync_events" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "type" TEXT NOT NULL,
    "received_at" DATETIME NOT NULL
);

CREATE TABLE "clerk_sync_user_state" (
    "user_id" TEXT NOT NULL PRIMARY KEY,
    "version" BIGINT NOT NULL,
    "deleted_at" DATETIME,
    "role" TEXT
);

CREATE TABLE "clerk_sync_role_audit" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "actor" TEXT,
    "target_user_id" TEXT NOT NULL,
    "from_role" TEXT,
    "to_role" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "source" TEXT NOT NULL,
    "event_id" TEXT
);

CREATE INDEX "clerk_sync_events_received_at_idx" ON "clerk_sync_events"("received_at");
CREATE INDEX "clerk_sync_user_state_role_idx" ON "clerk_sync_user_state"("role", "user_id");
CREATE INDEX "clerk_sync_role_audit_target_idx" ON "clerk_sync_role_audit"("target_user_id", "id");

-- clerk-sync tables for PostgreSQL (matches prisma/postgresql.prisma).
CREATE TABLE "clerk_sync_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL
);

CREATE TABLE "clerk_sync_role_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"actor" text,
	"target_user_id" text NOT NULL,
	"from_role" text,
	"to_role" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"source" text NOT NULL,
	"event_id" text
);

CREATE TABLE "clerk_sync_user_state" (
	"user_id" text PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"role" text
);

CREATE TABLE "clerk_sync_users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text,
	"first_name" text,
	"last_name" text,
	"username" text,
	"phone" text,
	"image_url" text,
	"role" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"extra" jsonb
);

CREATE INDEX "clerk_sync_events_received_at_idx" ON "clerk_sync_events" USING btree ("received_at");
CREATE INDEX "clerk_sync_role_audit_target_idx" ON "clerk_sync_role_audit" USING btree ("target_user_id","id");
CREATE INDEX "clerk_sync_user_state_role_idx" ON "clerk_sync_user_state" USING btree ("role","user_id");
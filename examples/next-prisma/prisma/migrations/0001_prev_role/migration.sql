-- clerk-sync 0001 for PostgreSQL: the role before the latest write, set by that write's own
-- statement (matches prisma/postgresql.prisma; one nullable column, no rewrite of the table).
ALTER TABLE "clerk_sync_user_state" ADD COLUMN "prev_role" text;

CREATE TABLE `clerk_sync_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clerk_sync_events_received_at_idx` ON `clerk_sync_events` (`received_at`);--> statement-breakpoint
CREATE TABLE `clerk_sync_role_audit` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`actor` text,
	`target_user_id` text NOT NULL,
	`from_role` text,
	`to_role` text NOT NULL,
	`at` integer NOT NULL,
	`source` text NOT NULL,
	`event_id` text
);
--> statement-breakpoint
CREATE INDEX `clerk_sync_role_audit_target_idx` ON `clerk_sync_role_audit` (`target_user_id`,`id`);--> statement-breakpoint
CREATE TABLE `clerk_sync_user_state` (
	`user_id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`deleted_at` integer,
	`role` text
);
--> statement-breakpoint
CREATE INDEX `clerk_sync_user_state_role_idx` ON `clerk_sync_user_state` (`role`,`user_id`);--> statement-breakpoint
CREATE TABLE `clerk_sync_users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text,
	`first_name` text,
	`last_name` text,
	`username` text,
	`phone` text,
	`image_url` text,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`extra` text
);

-- clerk-sync tables for MySQL/MariaDB (matches prisma/mysql.prisma, ids compare byte for byte).
CREATE TABLE `clerk_sync_events` (
	`id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`type` varchar(255) NOT NULL,
	`received_at` datetime(3) NOT NULL,
	CONSTRAINT `clerk_sync_events_id` PRIMARY KEY(`id`)
);

CREATE TABLE `clerk_sync_role_audit` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`actor` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	`target_user_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`from_role` varchar(255),
	`to_role` varchar(255) NOT NULL,
	`at` datetime(3) NOT NULL,
	`source` varchar(32) NOT NULL,
	`event_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	CONSTRAINT `clerk_sync_role_audit_id` PRIMARY KEY(`id`)
);

CREATE TABLE `clerk_sync_user_state` (
	`user_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`version` bigint NOT NULL,
	`deleted_at` datetime(3),
	`role` varchar(255),
	CONSTRAINT `clerk_sync_user_state_user_id` PRIMARY KEY(`user_id`)
);

CREATE TABLE `clerk_sync_users` (
	`id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`email` varchar(320),
	`first_name` varchar(255),
	`last_name` varchar(255),
	`username` varchar(255),
	`phone` varchar(32),
	`image_url` varchar(2048),
	`role` varchar(255) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	`extra` json,
	CONSTRAINT `clerk_sync_users_id` PRIMARY KEY(`id`)
);

CREATE INDEX `clerk_sync_events_received_at_idx` ON `clerk_sync_events` (`received_at`);
CREATE INDEX `clerk_sync_role_audit_target_idx` ON `clerk_sync_role_audit` (`target_user_id`,`id`);
CREATE INDEX `clerk_sync_user_state_role_idx` ON `clerk_sync_user_state` (`role`,`user_id`);
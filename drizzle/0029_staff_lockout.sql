ALTER TABLE "access"."api_keys" ADD COLUMN "rotated_from" uuid;--> statement-breakpoint
ALTER TABLE "access"."staff" ADD COLUMN "failed_logins" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "access"."staff" ADD COLUMN "locked_until" timestamp with time zone;
ALTER TABLE "messaging"."guide_tasks" ADD COLUMN "kind" text DEFAULT 'other' NOT NULL;--> statement-breakpoint
ALTER TABLE "messaging"."guide_tasks" ADD COLUMN "assignee_staff_id" uuid;--> statement-breakpoint
ALTER TABLE "messaging"."guide_tasks" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messaging"."guide_tasks" ADD COLUMN "cancelled_by" text;--> statement-breakpoint
ALTER TABLE "messaging"."guide_tasks" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
ALTER TABLE "messaging"."guide_tasks" ADD COLUMN "created_by" text;--> statement-breakpoint
CREATE INDEX "guide_tasks_assignee_open_idx" ON "messaging"."guide_tasks" USING btree ("assignee_staff_id","due_at") WHERE "messaging"."guide_tasks"."status" = 'open';--> statement-breakpoint
ALTER TABLE "messaging"."guide_tasks" ADD CONSTRAINT "guide_tasks_kind_ck" CHECK ("messaging"."guide_tasks"."kind" in ('callback', 'follow_up', 'birthday_call', 'other'));
-- Customer-owned tables keyed by (customer_id, id) so they can be distributed by customer_id on Citus
-- (docs/adr/0014-citus-distribution.md); an index on id alone keeps lookups by id fast.
DROP INDEX "messaging"."guide_tasks_message_uq";--> statement-breakpoint
ALTER TABLE "insights"."rhythm_changes" DROP CONSTRAINT "rhythm_changes_pkey";--> statement-breakpoint
ALTER TABLE "journeys"."enrollments" DROP CONSTRAINT "enrollments_pkey";--> statement-breakpoint
ALTER TABLE "messaging"."guide_tasks" DROP CONSTRAINT "guide_tasks_pkey";--> statement-breakpoint
ALTER TABLE "messaging"."messages" DROP CONSTRAINT "messages_pkey";--> statement-breakpoint
ALTER TABLE "staff"."assignments" DROP CONSTRAINT "assignments_pkey";--> statement-breakpoint
ALTER TABLE "insights"."rhythm_changes" ADD CONSTRAINT "rhythm_changes_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
ALTER TABLE "journeys"."enrollments" ADD CONSTRAINT "enrollments_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
ALTER TABLE "messaging"."guide_tasks" ADD CONSTRAINT "guide_tasks_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
ALTER TABLE "messaging"."messages" ADD CONSTRAINT "messages_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
ALTER TABLE "staff"."assignments" ADD CONSTRAINT "assignments_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
CREATE INDEX "enrollments_id_idx" ON "journeys"."enrollments" USING btree ("id");--> statement-breakpoint
CREATE INDEX "guide_tasks_id_idx" ON "messaging"."guide_tasks" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "guide_tasks_customer_message_uq" ON "messaging"."guide_tasks" USING btree ("customer_id","message_id");--> statement-breakpoint
CREATE INDEX "guide_tasks_message_idx" ON "messaging"."guide_tasks" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "messages_id_idx" ON "messaging"."messages" USING btree ("id");--> statement-breakpoint
CREATE INDEX "assignments_id_idx" ON "staff"."assignments" USING btree ("id");
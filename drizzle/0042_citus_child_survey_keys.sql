-- Citus keys (docs/adr/0014-citus-distribution.md, items 5 and 7): journeys.step_runs and messaging.delivery_events get
-- their parent's customer_id (backfilled from journeys.enrollments / messaging.messages, written on every insert), and
-- surveys.invitations / surveys.responses get customer_id NOT NULL; every primary key and unique index starts with
-- customer_id. Parents are never deleted, so no child lacks one; a row without its parent (none expected) could not be
-- shown anywhere and is dropped. An invitation without a customer (no code path makes one) would get the synthetic id
-- platform.guest_customer_id('survey', <invitation id>) and its response the invitation's; a response without either,
-- platform.guest_customer_id('survey', <response id>), so NPS figures keep every response.
ALTER TABLE "journeys"."step_runs" ADD COLUMN "customer_id" uuid;--> statement-breakpoint
UPDATE "journeys"."step_runs" s SET "customer_id" = e."customer_id" FROM "journeys"."enrollments" e WHERE e."id" = s."enrollment_id";--> statement-breakpoint
DELETE FROM "journeys"."step_runs" WHERE "customer_id" IS NULL;--> statement-breakpoint
ALTER TABLE "journeys"."step_runs" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "journeys"."step_runs" DROP CONSTRAINT "step_runs_enrollment_id_seq_pk";--> statement-breakpoint
ALTER TABLE "journeys"."step_runs" ADD CONSTRAINT "step_runs_customer_id_enrollment_id_seq_pk" PRIMARY KEY("customer_id","enrollment_id","seq");--> statement-breakpoint
CREATE INDEX "step_runs_enrollment_idx" ON "journeys"."step_runs" USING btree ("enrollment_id","seq");--> statement-breakpoint
ALTER TABLE "messaging"."delivery_events" ADD COLUMN "customer_id" uuid;--> statement-breakpoint
UPDATE "messaging"."delivery_events" d SET "customer_id" = m."customer_id" FROM "messaging"."messages" m WHERE m."id" = d."message_id";--> statement-breakpoint
DELETE FROM "messaging"."delivery_events" WHERE "customer_id" IS NULL;--> statement-breakpoint
ALTER TABLE "messaging"."delivery_events" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "messaging"."delivery_events" DROP CONSTRAINT "delivery_events_message_id_id_pk";--> statement-breakpoint
ALTER TABLE "messaging"."delivery_events" ADD CONSTRAINT "delivery_events_customer_id_message_id_id_pk" PRIMARY KEY("customer_id","message_id","id");--> statement-breakpoint
CREATE INDEX "delivery_events_message_idx" ON "messaging"."delivery_events" USING btree ("message_id");--> statement-breakpoint
UPDATE "surveys"."invitations" SET "customer_id" = platform.guest_customer_id('survey', "id"::text) WHERE "customer_id" IS NULL;--> statement-breakpoint
UPDATE "surveys"."responses" r SET "customer_id" = i."customer_id" FROM "surveys"."invitations" i WHERE i."id" = r."invitation_id" AND r."customer_id" IS NULL;--> statement-breakpoint
UPDATE "surveys"."responses" SET "customer_id" = platform.guest_customer_id('survey', "id"::text) WHERE "customer_id" IS NULL;--> statement-breakpoint
ALTER TABLE "surveys"."invitations" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "surveys"."responses" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
DROP INDEX "surveys"."invitations_customer_idx";--> statement-breakpoint
DROP INDEX "surveys"."invitations_context_uq";--> statement-breakpoint
DROP INDEX "surveys"."responses_invitation_uq";--> statement-breakpoint
ALTER TABLE "surveys"."invitations" DROP CONSTRAINT "invitations_pkey";--> statement-breakpoint
ALTER TABLE "surveys"."responses" DROP CONSTRAINT "responses_pkey";--> statement-breakpoint
ALTER TABLE "surveys"."invitations" ADD CONSTRAINT "invitations_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
ALTER TABLE "surveys"."responses" ADD CONSTRAINT "responses_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
CREATE INDEX "invitations_id_idx" ON "surveys"."invitations" USING btree ("id");--> statement-breakpoint
CREATE INDEX "invitations_survey_idx" ON "surveys"."invitations" USING btree ("survey_id","context_kind","context_id");--> statement-breakpoint
CREATE INDEX "responses_id_idx" ON "surveys"."responses" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_context_uq" ON "surveys"."invitations" USING btree ("customer_id","survey_id","context_kind","context_id");--> statement-breakpoint
CREATE UNIQUE INDEX "responses_invitation_uq" ON "surveys"."responses" USING btree ("customer_id","invitation_id");

CREATE SCHEMA "journeys";
--> statement-breakpoint
CREATE SCHEMA "messaging";
--> statement-breakpoint
CREATE TABLE "journeys"."enrollments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"journey_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"customer_id" uuid NOT NULL,
	"entry_key" text NOT NULL,
	"holdout" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"current_step" text,
	"step_seq" integer DEFAULT 0 NOT NULL,
	"next_run_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"entered_at" timestamp with time zone NOT NULL,
	"goal_until" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"end_reason" text,
	"converted_at" timestamp with time zone,
	"conversion_order_id" uuid,
	"revenue_fen" bigint DEFAULT 0 NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "enrollments_holdout_ck" CHECK ("journeys"."enrollments"."holdout" in (0, 1))
);
--> statement-breakpoint
CREATE TABLE "journeys"."journeys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"kind" text DEFAULT 'journey' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"current_version" integer DEFAULT 1 NOT NULL,
	"holdout_percent" integer DEFAULT 10 NOT NULL,
	"reentry" text DEFAULT 'never' NOT NULL,
	"reentry_days" integer,
	"blueprint" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "journeys_holdout_ck" CHECK ("journeys"."journeys"."holdout_percent" between 0 and 90)
);
--> statement-breakpoint
CREATE TABLE "journeys"."step_runs" (
	"enrollment_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"step_id" text NOT NULL,
	"journey_id" uuid NOT NULL,
	"outcome" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ran_at" timestamp with time zone NOT NULL,
	CONSTRAINT "step_runs_enrollment_id_seq_pk" PRIMARY KEY("enrollment_id","seq")
);
--> statement-breakpoint
CREATE TABLE "journeys"."trigger_state" (
	"journey_id" uuid PRIMARY KEY NOT NULL,
	"last_scan_at" timestamp with time zone,
	"last_scan_date" text,
	"runs" integer DEFAULT 0 NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journeys"."versions" (
	"journey_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"note" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	CONSTRAINT "versions_journey_id_version_pk" PRIMARY KEY("journey_id","version")
);
--> statement-breakpoint
CREATE TABLE "messaging"."channels" (
	"channel" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"adapter" text NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"rate_per_second" integer,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messaging"."delivery_events" (
	"message_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"status" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "delivery_events_message_id_id_pk" PRIMARY KEY("message_id","id")
);
--> statement-breakpoint
CREATE TABLE "messaging"."guide_tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"message_id" uuid,
	"store_code" text,
	"assignee" text,
	"title" text NOT NULL,
	"body" text,
	"due_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"outcome" text,
	"note" text,
	"done_at" timestamp with time zone,
	"done_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messaging"."messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"purpose" text NOT NULL,
	"template_id" uuid,
	"locale" text NOT NULL,
	"variables" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"subject" text,
	"body" text,
	"to_masked" text,
	"dedupe_key" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"reason" text,
	"source_kind" text NOT NULL,
	"source_id" uuid,
	"journey_id" uuid,
	"enrollment_id" uuid,
	"step_id" text,
	"send_after" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"provider_message_id" text,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "messages_attempts_ck" CHECK ("messaging"."messages"."attempts" >= 0)
);
--> statement-breakpoint
CREATE TABLE "messaging"."policies" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messaging"."templates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"purpose" text DEFAULT 'marketing' NOT NULL,
	"contents" jsonb NOT NULL,
	"provider_ids" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "enrollments_entry_uq" ON "journeys"."enrollments" USING btree ("journey_id","customer_id","entry_key");--> statement-breakpoint
CREATE UNIQUE INDEX "enrollments_live_uq" ON "journeys"."enrollments" USING btree ("journey_id","customer_id") WHERE "journeys"."enrollments"."status" in ('active', 'held_out');--> statement-breakpoint
CREATE INDEX "enrollments_due_idx" ON "journeys"."enrollments" USING btree ("next_run_at") WHERE "journeys"."enrollments"."status" = 'active';--> statement-breakpoint
CREATE INDEX "enrollments_customer_idx" ON "journeys"."enrollments" USING btree ("customer_id","status");--> statement-breakpoint
CREATE INDEX "enrollments_journey_idx" ON "journeys"."enrollments" USING btree ("journey_id","status","current_step");--> statement-breakpoint
CREATE INDEX "enrollments_goal_idx" ON "journeys"."enrollments" USING btree ("goal_until") WHERE "journeys"."enrollments"."status" in ('active', 'held_out', 'completed', 'exited') and "journeys"."enrollments"."converted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "journeys_code_uq" ON "journeys"."journeys" USING btree ("code");--> statement-breakpoint
CREATE INDEX "step_runs_journey_idx" ON "journeys"."step_runs" USING btree ("journey_id","step_id");--> statement-breakpoint
CREATE INDEX "delivery_events_time_idx" ON "messaging"."delivery_events" USING btree ("occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "guide_tasks_message_uq" ON "messaging"."guide_tasks" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "guide_tasks_open_idx" ON "messaging"."guide_tasks" USING btree ("store_code","due_at") WHERE "messaging"."guide_tasks"."status" = 'open';--> statement-breakpoint
CREATE INDEX "guide_tasks_customer_idx" ON "messaging"."guide_tasks" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_dedupe_uq" ON "messaging"."messages" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "messages_due_idx" ON "messaging"."messages" USING btree ("send_after") WHERE "messaging"."messages"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "messages_lease_idx" ON "messaging"."messages" USING btree ("lease_until") WHERE "messaging"."messages"."status" = 'sending';--> statement-breakpoint
CREATE INDEX "messages_customer_idx" ON "messaging"."messages" USING btree ("customer_id","created_at");--> statement-breakpoint
CREATE INDEX "messages_caps_idx" ON "messaging"."messages" USING btree ("customer_id","sent_at") WHERE "messaging"."messages"."purpose" = 'marketing' and "messaging"."messages"."sent_at" is not null;--> statement-breakpoint
CREATE INDEX "messages_source_idx" ON "messaging"."messages" USING btree ("source_id","status");--> statement-breakpoint
CREATE INDEX "messages_provider_idx" ON "messaging"."messages" USING btree ("provider_message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "templates_code_uq" ON "messaging"."templates" USING btree ("code");
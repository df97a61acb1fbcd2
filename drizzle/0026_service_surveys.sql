CREATE SCHEMA "service";
--> statement-breakpoint
CREATE SCHEMA "surveys";
--> statement-breakpoint
CREATE TABLE "service"."calendars" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"time_zone" text NOT NULL,
	"week" jsonb NOT NULL,
	"holidays" date[] DEFAULT '{}'::date[] NOT NULL,
	"workdays" date[] DEFAULT '{}'::date[] NOT NULL,
	"workday_hours" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendars_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "service"."compensation_policies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"severity" text NOT NULL,
	"categories" text[] DEFAULT '{}'::text[] NOT NULL,
	"options" jsonb NOT NULL,
	"approval_scope" text DEFAULT 'service:approve' NOT NULL,
	"max_total_fen" bigint,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "compensation_policies_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "service"."compensations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"ticket_id" uuid NOT NULL,
	"policy_id" uuid,
	"option_code" text,
	"actions" jsonb NOT NULL,
	"total_fen" bigint DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'proposed' NOT NULL,
	"note" text,
	"proposed_by" text NOT NULL,
	"proposed_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"executed_at" timestamp with time zone,
	"results" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	CONSTRAINT "compensations_status_ck" CHECK ("service"."compensations"."status" in ('proposed', 'approved', 'rejected', 'executed', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "service"."queues" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"priority" integer DEFAULT 100 NOT NULL,
	"routes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"assignment" text DEFAULT 'least_open' NOT NULL,
	"member_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"manager_id" uuid,
	"last_assignee_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "queues_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "service"."reply_templates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"locale" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"kinds" text[] DEFAULT '{}'::text[] NOT NULL,
	"categories" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service"."sla_policies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"priority" integer DEFAULT 100 NOT NULL,
	"applies_to" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"calendar_id" uuid,
	"ack_minutes" integer NOT NULL,
	"first_reply_minutes" integer NOT NULL,
	"resolve_minutes" jsonb NOT NULL,
	"warn_percent" integer DEFAULT 75 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_policies_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "service"."taxonomy" (
	"kind" text NOT NULL,
	"code" text NOT NULL,
	"labels" jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"sort" integer DEFAULT 100 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service"."ticket_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"ticket_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"visibility" text DEFAULT 'system' NOT NULL,
	"actor" text NOT NULL,
	"body" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service"."tickets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"number" bigserial NOT NULL,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"status" text DEFAULT 'new' NOT NULL,
	"subject" text NOT NULL,
	"description" text,
	"category" text,
	"severity" text,
	"customer_id" uuid,
	"contact" jsonb,
	"order_id" uuid,
	"sku" text,
	"store_code" text,
	"guide_id" uuid,
	"queue_id" uuid,
	"assignee_id" uuid,
	"sla_policy_id" uuid,
	"received_at" timestamp with time zone NOT NULL,
	"ack_due_at" timestamp with time zone,
	"first_reply_due_at" timestamp with time zone,
	"resolve_due_at" timestamp with time zone,
	"acked_at" timestamp with time zone,
	"first_replied_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"paused_at" timestamp with time zone,
	"paused_minutes" integer DEFAULT 0 NOT NULL,
	"next_due_at" timestamp with time zone,
	"next_alert_at" timestamp with time zone,
	"sla_warned" text[] DEFAULT '{}'::text[] NOT NULL,
	"sla_breached" text[] DEFAULT '{}'::text[] NOT NULL,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"escalated_at" timestamp with time zone,
	"root_causes" text[] DEFAULT '{}'::text[] NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"reopen_count" integer DEFAULT 0 NOT NULL,
	"external_ref" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tickets_kind_ck" CHECK ("service"."tickets"."kind" in ('complaint', 'inquiry', 'return_request', 'suggestion')),
	CONSTRAINT "tickets_status_ck" CHECK ("service"."tickets"."status" in ('new', 'open', 'pending', 'resolved', 'closed')),
	CONSTRAINT "tickets_severity_ck" CHECK ("service"."tickets"."severity" is null or "service"."tickets"."severity" in ('minor', 'medium', 'severe'))
);
--> statement-breakpoint
CREATE TABLE "surveys"."invitations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"survey_id" uuid NOT NULL,
	"customer_id" uuid,
	"context_kind" text NOT NULL,
	"context_id" text NOT NULL,
	"ticket_id" uuid,
	"order_id" uuid,
	"store_code" text,
	"guide_id" uuid,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"send_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"responded_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invitations_status_ck" CHECK ("surveys"."invitations"."status" in ('scheduled', 'sent', 'responded', 'expired', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "surveys"."responses" (
	"id" uuid PRIMARY KEY NOT NULL,
	"survey_id" uuid NOT NULL,
	"invitation_id" uuid,
	"customer_id" uuid,
	"store_code" text,
	"guide_id" uuid,
	"ticket_id" uuid,
	"order_id" uuid,
	"answers" jsonb NOT NULL,
	"nps" integer,
	"csat" integer,
	"verbatim" text,
	"sentiment" real,
	"sentiment_label" text,
	"submitted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "responses_nps_ck" CHECK ("surveys"."responses"."nps" is null or "surveys"."responses"."nps" between 0 and 10),
	CONSTRAINT "responses_csat_ck" CHECK ("surveys"."responses"."csat" is null or "surveys"."responses"."csat" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "surveys"."surveys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"trigger" text DEFAULT 'manual' NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"questions" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "surveys_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE INDEX "compensations_ticket_idx" ON "service"."compensations" USING btree ("ticket_id");--> statement-breakpoint
CREATE UNIQUE INDEX "compensations_open_uq" ON "service"."compensations" USING btree ("ticket_id") WHERE "service"."compensations"."status" in ('proposed', 'approved', 'failed');--> statement-breakpoint
CREATE UNIQUE INDEX "reply_templates_uq" ON "service"."reply_templates" USING btree ("code","locale");--> statement-breakpoint
CREATE UNIQUE INDEX "taxonomy_uq" ON "service"."taxonomy" USING btree ("kind","code");--> statement-breakpoint
CREATE INDEX "ticket_events_ticket_idx" ON "service"."ticket_events" USING btree ("ticket_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_number_uq" ON "service"."tickets" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_external_uq" ON "service"."tickets" USING btree ("channel","external_ref");--> statement-breakpoint
CREATE INDEX "tickets_queue_idx" ON "service"."tickets" USING btree ("queue_id","status","next_due_at");--> statement-breakpoint
CREATE INDEX "tickets_assignee_idx" ON "service"."tickets" USING btree ("assignee_id","status","next_due_at");--> statement-breakpoint
CREATE INDEX "tickets_live_due_idx" ON "service"."tickets" USING btree ("next_due_at","created_at","id") WHERE "service"."tickets"."status" in ('new', 'open', 'pending');--> statement-breakpoint
CREATE INDEX "tickets_live_queue_idx" ON "service"."tickets" USING btree ("queue_id","next_due_at","created_at","id") WHERE "service"."tickets"."status" in ('new', 'open', 'pending');--> statement-breakpoint
CREATE INDEX "tickets_live_assignee_idx" ON "service"."tickets" USING btree ("assignee_id","next_due_at","created_at","id") WHERE "service"."tickets"."status" in ('new', 'open', 'pending');--> statement-breakpoint
CREATE INDEX "tickets_alert_idx" ON "service"."tickets" USING btree ("next_alert_at") WHERE "service"."tickets"."next_alert_at" is not null;--> statement-breakpoint
CREATE INDEX "tickets_status_idx" ON "service"."tickets" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "tickets_customer_idx" ON "service"."tickets" USING btree ("customer_id","created_at");--> statement-breakpoint
CREATE INDEX "tickets_order_idx" ON "service"."tickets" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "tickets_created_idx" ON "service"."tickets" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_context_uq" ON "surveys"."invitations" USING btree ("survey_id","context_kind","context_id");--> statement-breakpoint
CREATE INDEX "invitations_due_idx" ON "surveys"."invitations" USING btree ("send_at") WHERE "surveys"."invitations"."status" = 'scheduled';--> statement-breakpoint
CREATE INDEX "invitations_expiry_idx" ON "surveys"."invitations" USING btree ("expires_at") WHERE "surveys"."invitations"."status" in ('scheduled', 'sent');--> statement-breakpoint
CREATE INDEX "invitations_customer_idx" ON "surveys"."invitations" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "responses_invitation_uq" ON "surveys"."responses" USING btree ("invitation_id");--> statement-breakpoint
CREATE INDEX "responses_survey_idx" ON "surveys"."responses" USING btree ("survey_id","submitted_at");--> statement-breakpoint
CREATE INDEX "responses_store_idx" ON "surveys"."responses" USING btree ("store_code","submitted_at");--> statement-breakpoint
CREATE INDEX "responses_guide_idx" ON "surveys"."responses" USING btree ("guide_id","submitted_at");
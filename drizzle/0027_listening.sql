CREATE SCHEMA "listening";
--> statement-breakpoint
CREATE SEQUENCE "listening"."crisis_no_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "listening"."alerts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"rule_id" uuid NOT NULL,
	"scope_type" text NOT NULL,
	"scope_key" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"finding" jsonb NOT NULL,
	"peak" jsonb NOT NULL,
	"state" jsonb NOT NULL,
	"crisis_id" uuid,
	"acknowledged_by" text,
	"acknowledged_at" timestamp with time zone,
	CONSTRAINT "alerts_status_ck" CHECK ("listening"."alerts"."status" in ('open', 'closed'))
);
--> statement-breakpoint
CREATE TABLE "listening"."crises" (
	"id" uuid PRIMARY KEY NOT NULL,
	"number" bigint NOT NULL,
	"title" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"severity" text DEFAULT 'high' NOT NULL,
	"owner_id" uuid,
	"alert_id" uuid,
	"scope_type" text,
	"scope_key" text,
	"sku" text,
	"batch" text,
	"keyword" text,
	"store_code" text,
	"opened_at" timestamp with time zone NOT NULL,
	"statement_due_at" timestamp with time zone NOT NULL,
	"statement_at" timestamp with time zone,
	"update_every_minutes" integer DEFAULT 240 NOT NULL,
	"next_update_due_at" timestamp with time zone,
	"start_negative_share" real,
	"target_negative_share" real DEFAULT 0.05 NOT NULL,
	"closed_at" timestamp with time zone,
	"closed_by" text,
	"summary" text,
	"reminded_at" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "crises_number_unique" UNIQUE("number"),
	CONSTRAINT "crises_status_ck" CHECK ("listening"."crises"."status" in ('open', 'responding', 'monitoring', 'closed')),
	CONSTRAINT "crises_severity_ck" CHECK ("listening"."crises"."severity" in ('low', 'medium', 'high', 'critical'))
);
--> statement-breakpoint
CREATE TABLE "listening"."crisis_affected" (
	"crisis_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"reasons" text[] NOT NULL,
	"added_at" timestamp with time zone NOT NULL,
	"compensated_at" timestamp with time zone,
	"compensation" jsonb,
	CONSTRAINT "crisis_affected_crisis_id_customer_id_pk" PRIMARY KEY("crisis_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "listening"."crisis_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"crisis_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"actor" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"body" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "listening"."feeds" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"url" text NOT NULL,
	"source" text NOT NULL,
	"mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"every_minutes" integer DEFAULT 15 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_polled_at" timestamp with time zone,
	"last_status" text,
	"last_count" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "listening"."hourly_stats" (
	"scope_type" text NOT NULL,
	"scope_key" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"mentions" integer DEFAULT 0 NOT NULL,
	"negatives" integer DEFAULT 0 NOT NULL,
	"positives" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "hourly_stats_scope_type_scope_key_hour_pk" PRIMARY KEY("scope_type","scope_key","hour")
);
--> statement-breakpoint
CREATE TABLE "listening"."mentions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"content_hash" text NOT NULL,
	"url" text,
	"author" text,
	"author_id" text,
	"text" text NOT NULL,
	"lang" text NOT NULL,
	"posted_at" timestamp with time zone NOT NULL,
	"region" text,
	"city" text,
	"store_code" text,
	"sku" text,
	"likes" integer DEFAULT 0 NOT NULL,
	"comments" integer DEFAULT 0 NOT NULL,
	"shares" integer DEFAULT 0 NOT NULL,
	"views" integer DEFAULT 0 NOT NULL,
	"customer_id" uuid,
	"sentiment_label" text NOT NULL,
	"sentiment" real NOT NULL,
	"aspects" text[] DEFAULT '{}'::text[] NOT NULL,
	"keywords" text[] DEFAULT '{}'::text[] NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mentions_label_ck" CHECK ("listening"."mentions"."sentiment_label" in ('positive', 'neutral', 'negative'))
);
--> statement-breakpoint
CREATE TABLE "listening"."models" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"data" "bytea" NOT NULL,
	"info" jsonb NOT NULL,
	"trained_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "listening"."notifications" (
	"id" uuid PRIMARY KEY NOT NULL,
	"alert_id" uuid,
	"crisis_id" uuid,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"target" text NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"read_at" timestamp with time zone,
	CONSTRAINT "notifications_status_ck" CHECK ("listening"."notifications"."status" in ('pending', 'sent', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "listening"."rules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"scope_type" text NOT NULL,
	"scope_key" text DEFAULT '*' NOT NULL,
	"metric" text NOT NULL,
	"window_minutes" integer DEFAULT 60 NOT NULL,
	"increase_pct" real NOT NULL,
	"min_count" integer NOT NULL,
	"alpha" real DEFAULT 0.001 NOT NULL,
	"min_negative_share" real,
	"time_zone" text DEFAULT 'Asia/Shanghai' NOT NULL,
	"notify" jsonb DEFAULT '{"console": true}'::jsonb NOT NULL,
	"opens_crisis" boolean DEFAULT false NOT NULL,
	"owner_id" uuid,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rules_scope_ck" CHECK ("listening"."rules"."scope_type" in ('brand', 'source', 'region', 'store', 'product', 'keyword')),
	CONSTRAINT "rules_metric_ck" CHECK ("listening"."rules"."metric" in ('volume', 'negative_share'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_open_uq" ON "listening"."alerts" USING btree ("rule_id","scope_type","scope_key") WHERE "listening"."alerts"."status" = 'open';--> statement-breakpoint
CREATE INDEX "alerts_opened_idx" ON "listening"."alerts" USING btree ("opened_at");--> statement-breakpoint
CREATE INDEX "crises_live_idx" ON "listening"."crises" USING btree ("statement_due_at") WHERE "listening"."crises"."status" <> 'closed';--> statement-breakpoint
CREATE INDEX "crisis_events_crisis_idx" ON "listening"."crisis_events" USING btree ("crisis_id","at");--> statement-breakpoint
CREATE INDEX "hourly_stats_hour_idx" ON "listening"."hourly_stats" USING btree ("scope_type","hour");--> statement-breakpoint
CREATE UNIQUE INDEX "mentions_source_external_uq" ON "listening"."mentions" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "mentions_posted_idx" ON "listening"."mentions" USING btree ("posted_at");--> statement-breakpoint
CREATE INDEX "mentions_store_idx" ON "listening"."mentions" USING btree ("store_code","posted_at") WHERE "listening"."mentions"."store_code" is not null;--> statement-breakpoint
CREATE INDEX "mentions_sku_idx" ON "listening"."mentions" USING btree ("sku","posted_at") WHERE "listening"."mentions"."sku" is not null;--> statement-breakpoint
CREATE INDEX "mentions_customer_idx" ON "listening"."mentions" USING btree ("customer_id") WHERE "listening"."mentions"."customer_id" is not null;--> statement-breakpoint
CREATE INDEX "mentions_keywords_idx" ON "listening"."mentions" USING gin ("keywords");--> statement-breakpoint
CREATE INDEX "notifications_pending_idx" ON "listening"."notifications" USING btree ("created_at") WHERE "listening"."notifications"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "notifications_console_idx" ON "listening"."notifications" USING btree ("created_at") WHERE "listening"."notifications"."channel" = 'console';
CREATE TABLE "activity"."anonymous_event_rollups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"month" date NOT NULL,
	"type" text NOT NULL,
	"channel" text,
	"store_code" text,
	"events" integer NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "anonymous_event_rollups_key_uq" UNIQUE NULLS NOT DISTINCT("month","type","channel","store_code")
);
--> statement-breakpoint
CREATE TABLE "activity"."anonymous_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"anonymous_id" text,
	"device_id" text,
	"type" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"channel" text,
	"store_code" text,
	"sku" text,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" text DEFAULT 'api' NOT NULL,
	"external_id" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "activity"."event_keys" (
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"customer_id" uuid,
	"event_id" uuid NOT NULL,
	CONSTRAINT "event_keys_external_id_source_pk" PRIMARY KEY("external_id","source")
);
--> statement-breakpoint
-- Citus keys for activity (docs/adr/0014-citus-distribution.md, item 6 and 2): anonymous events and their rollups move
-- to local tables of their own, the senders' idempotency keys to the key table activity.event_keys, and events and
-- event_rollups are keyed (customer_id, id) with customer_id NOT NULL.
INSERT INTO "activity"."event_keys" ("source", "external_id", "customer_id", "event_id")
  SELECT "source", "external_id", "customer_id", "id" FROM "activity"."events" WHERE "external_id" IS NOT NULL;--> statement-breakpoint
INSERT INTO "activity"."anonymous_events" ("id", "anonymous_id", "device_id", "type", "occurred_at", "channel", "store_code", "sku", "properties", "source", "external_id", "received_at")
  SELECT "id", "anonymous_id", "device_id", "type", "occurred_at", "channel", "store_code", "sku", "properties", "source", "external_id", "received_at"
  FROM "activity"."events" WHERE "customer_id" IS NULL;--> statement-breakpoint
DELETE FROM "activity"."events" WHERE "customer_id" IS NULL;--> statement-breakpoint
INSERT INTO "activity"."anonymous_event_rollups" ("id", "month", "type", "channel", "store_code", "events", "first_at", "last_at", "updated_at")
  SELECT "id", "month", "type", "channel", "store_code", "events", "first_at", "last_at", "updated_at"
  FROM "activity"."event_rollups" WHERE "customer_id" IS NULL;--> statement-breakpoint
DELETE FROM "activity"."event_rollups" WHERE "customer_id" IS NULL;--> statement-breakpoint
ALTER TABLE "activity"."event_rollups" DROP CONSTRAINT "event_rollups_key_uq";--> statement-breakpoint
DROP INDEX "activity"."event_rollups_customer_idx";--> statement-breakpoint
DROP INDEX "activity"."events_unattributed_anonymous_idx";--> statement-breakpoint
DROP INDEX "activity"."events_unattributed_device_idx";--> statement-breakpoint
DROP INDEX "activity"."events_source_external_uq";--> statement-breakpoint
ALTER TABLE "activity"."event_rollups" DROP CONSTRAINT "event_rollups_pkey";--> statement-breakpoint
ALTER TABLE "activity"."event_rollups" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "activity"."events" DROP CONSTRAINT "events_pkey";--> statement-breakpoint
ALTER TABLE "activity"."events" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "activity"."event_rollups" ADD CONSTRAINT "event_rollups_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
ALTER TABLE "activity"."events" ADD CONSTRAINT "events_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
CREATE INDEX "anonymous_events_anonymous_idx" ON "activity"."anonymous_events" USING btree ("anonymous_id") WHERE anonymous_id is not null;--> statement-breakpoint
CREATE INDEX "anonymous_events_device_idx" ON "activity"."anonymous_events" USING btree ("device_id") WHERE device_id is not null;--> statement-breakpoint
CREATE INDEX "anonymous_events_time_idx" ON "activity"."anonymous_events" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "event_rollups_id_idx" ON "activity"."event_rollups" USING btree ("id");--> statement-breakpoint
CREATE INDEX "events_id_idx" ON "activity"."events" USING btree ("id");--> statement-breakpoint
ALTER TABLE "activity"."event_rollups" ADD CONSTRAINT "event_rollups_key_uq" UNIQUE NULLS NOT DISTINCT("customer_id","month","type","channel","store_code");
CREATE TABLE "activity"."event_rollups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"month" date NOT NULL,
	"customer_id" uuid,
	"type" text NOT NULL,
	"channel" text,
	"store_code" text,
	"events" integer NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_rollups_key_uq" UNIQUE NULLS NOT DISTINCT("month","customer_id","type","channel","store_code")
);
--> statement-breakpoint
CREATE INDEX "event_rollups_customer_idx" ON "activity"."event_rollups" USING btree ("customer_id","month");
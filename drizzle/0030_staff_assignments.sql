CREATE SCHEMA "staff";
--> statement-breakpoint
CREATE TABLE "staff"."assignments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"staff_id" uuid,
	"store_code" text,
	"reason" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"actor" text NOT NULL,
	"note" text,
	CONSTRAINT "assignments_reason_ck" CHECK ("staff"."assignments"."reason" in ('first_purchase', 'rule', 'manual', 'merge'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "assignments_open_uq" ON "staff"."assignments" USING btree ("customer_id") WHERE "staff"."assignments"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "assignments_customer_idx" ON "staff"."assignments" USING btree ("customer_id","started_at");--> statement-breakpoint
CREATE INDEX "assignments_staff_open_idx" ON "staff"."assignments" USING btree ("staff_id") WHERE "staff"."assignments"."ended_at" is null;
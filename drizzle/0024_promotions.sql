CREATE SCHEMA "promotions";
--> statement-breakpoint
CREATE TABLE "promotions"."coupon_templates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"purpose" text DEFAULT 'general' NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"definition" jsonb NOT NULL,
	"conditions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"valid_from" timestamp with time zone,
	"valid_to" timestamp with time zone,
	"valid_days" integer,
	"priority" integer DEFAULT 200 NOT NULL,
	"stack_group" text,
	"exclusive" boolean DEFAULT false NOT NULL,
	"with_promotions" boolean DEFAULT true NOT NULL,
	"per_customer_limit" integer,
	"total_quantity" integer,
	"issued" integer DEFAULT 0 NOT NULL,
	"return_policy" text DEFAULT 'restore' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "promotions"."coupons" (
	"id" uuid PRIMARY KEY NOT NULL,
	"template_id" uuid NOT NULL,
	"code" text NOT NULL,
	"customer_id" uuid,
	"status" text DEFAULT 'available' NOT NULL,
	"batch" text,
	"source" text NOT NULL,
	"source_ref" text,
	"idempotency_key" text,
	"issued_at" timestamp with time zone,
	"valid_from" timestamp with time zone,
	"valid_to" timestamp with time zone,
	"reservation_id" uuid,
	"order_id" uuid,
	"redeemed_at" timestamp with time zone,
	"voided_at" timestamp with time zone,
	"void_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "promotions"."customer_uses" (
	"customer_id" uuid NOT NULL,
	"promotion_id" uuid NOT NULL,
	"uses" integer DEFAULT 0 NOT NULL,
	"discount_fen" bigint DEFAULT 0 NOT NULL,
	"first_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customer_uses_customer_id_promotion_id_pk" PRIMARY KEY("customer_id","promotion_id"),
	CONSTRAINT "customer_uses_nonneg_ck" CHECK ("promotions"."customer_uses"."uses" >= 0)
);
--> statement-breakpoint
CREATE TABLE "promotions"."issue_recipients" (
	"run_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"grp" text NOT NULL,
	"coupon_id" uuid,
	CONSTRAINT "issue_recipients_run_id_customer_id_pk" PRIMARY KEY("run_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "promotions"."issue_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"template_id" uuid NOT NULL,
	"segment_id" uuid,
	"holdout_percent" integer DEFAULT 0 NOT NULL,
	"issued" integer DEFAULT 0 NOT NULL,
	"held_out" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "promotions"."promotion_counters" (
	"promotion_id" uuid PRIMARY KEY NOT NULL,
	"uses" integer DEFAULT 0 NOT NULL,
	"customers" integer DEFAULT 0 NOT NULL,
	"discount_fen" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "promotion_counters_nonneg_ck" CHECK ("promotions"."promotion_counters"."uses" >= 0 and "promotions"."promotion_counters"."customers" >= 0 and "promotions"."promotion_counters"."discount_fen" >= 0)
);
--> statement-breakpoint
CREATE TABLE "promotions"."promotions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"status" text DEFAULT 'draft' NOT NULL,
	"definition" jsonb NOT NULL,
	"conditions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"priority" integer DEFAULT 100 NOT NULL,
	"stack_group" text,
	"exclusive" boolean DEFAULT false NOT NULL,
	"budget_fen" bigint,
	"total_quantity" integer,
	"first_n" integer,
	"per_customer_limit" integer,
	"holdout_percent" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "promotions_holdout_ck" CHECK ("promotions"."promotions"."holdout_percent" between 0 and 90)
);
--> statement-breakpoint
CREATE TABLE "promotions"."redemptions" (
	"reservation_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"promotion_id" uuid,
	"coupon_id" uuid,
	"customer_id" uuid,
	"status" text DEFAULT 'reserved' NOT NULL,
	"discount_fen" bigint NOT NULL,
	"refunded_fen" bigint DEFAULT 0 NOT NULL,
	"lines" jsonb NOT NULL,
	"order_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "redemptions_reservation_id_seq_pk" PRIMARY KEY("reservation_id","seq")
);
--> statement-breakpoint
CREATE TABLE "promotions"."reservations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid,
	"channel" text NOT NULL,
	"store_code" text,
	"status" text DEFAULT 'reserved' NOT NULL,
	"idempotency_key" text,
	"cart" jsonb NOT NULL,
	"pricing" jsonb NOT NULL,
	"subtotal_fen" bigint NOT NULL,
	"discount_fen" bigint NOT NULL,
	"points_used" integer DEFAULT 0 NOT NULL,
	"points_fen" bigint DEFAULT 0 NOT NULL,
	"payable_fen" bigint NOT NULL,
	"points_hold_id" uuid,
	"order_id" uuid,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "coupon_templates_code_uq" ON "promotions"."coupon_templates" USING btree ("code");--> statement-breakpoint
CREATE INDEX "coupon_templates_purpose_idx" ON "promotions"."coupon_templates" USING btree ("purpose","status");--> statement-breakpoint
CREATE UNIQUE INDEX "coupons_code_uq" ON "promotions"."coupons" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "coupons_idempotency_uq" ON "promotions"."coupons" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "coupons_customer_idx" ON "promotions"."coupons" USING btree ("customer_id","status");--> statement-breakpoint
CREATE INDEX "coupons_template_idx" ON "promotions"."coupons" USING btree ("template_id","status");--> statement-breakpoint
CREATE INDEX "coupons_valid_to_idx" ON "promotions"."coupons" USING btree ("valid_to") WHERE "promotions"."coupons"."status" = 'issued';--> statement-breakpoint
CREATE INDEX "issue_recipients_customer_idx" ON "promotions"."issue_recipients" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "promotions_code_uq" ON "promotions"."promotions" USING btree ("code");--> statement-breakpoint
CREATE INDEX "promotions_active_idx" ON "promotions"."promotions" USING btree ("status","starts_at","ends_at");--> statement-breakpoint
CREATE INDEX "redemptions_promotion_idx" ON "promotions"."redemptions" USING btree ("promotion_id","status");--> statement-breakpoint
CREATE INDEX "redemptions_coupon_idx" ON "promotions"."redemptions" USING btree ("coupon_id");--> statement-breakpoint
CREATE INDEX "redemptions_order_idx" ON "promotions"."redemptions" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reservations_idempotency_uq" ON "promotions"."reservations" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "reservations_open_idx" ON "promotions"."reservations" USING btree ("expires_at") WHERE "promotions"."reservations"."status" = 'reserved';--> statement-breakpoint
CREATE INDEX "reservations_order_idx" ON "promotions"."reservations" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "reservations_customer_idx" ON "promotions"."reservations" USING btree ("customer_id","created_at");
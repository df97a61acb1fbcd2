CREATE SCHEMA "loyalty";
--> statement-breakpoint
CREATE TABLE "loyalty"."accounts" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"available" bigint DEFAULT 0 NOT NULL,
	"pending" bigint DEFAULT 0 NOT NULL,
	"held" bigint DEFAULT 0 NOT NULL,
	"lifetime_earned" bigint DEFAULT 0 NOT NULL,
	"growth" bigint DEFAULT 0 NOT NULL,
	"tier_set" text,
	"tier_code" text,
	"tier_since" timestamp with time zone,
	"tier_manual_until" timestamp with time zone,
	"tier_grace_until" timestamp with time zone,
	"referral_code" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loyalty"."holds" (
	"customer_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"points" bigint NOT NULL,
	"status" text NOT NULL,
	"reference" text,
	"reward_code" text,
	"idempotency_key" text NOT NULL,
	"entry_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "holds_customer_id_id_pk" PRIMARY KEY("customer_id","id")
);
--> statement-breakpoint
CREATE TABLE "loyalty"."ledger_entries" (
	"customer_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"kind" text NOT NULL,
	"points" bigint NOT NULL,
	"pending_points" bigint DEFAULT 0 NOT NULL,
	"source_type" text NOT NULL,
	"source_id" text,
	"idempotency_key" text NOT NULL,
	"rule_version" integer,
	"relates_to" uuid,
	"reason" text,
	"actor" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_entries_customer_id_id_pk" PRIMARY KEY("customer_id","id"),
	CONSTRAINT "ledger_kind_ck" CHECK ("loyalty"."ledger_entries"."kind" in ('earn', 'release', 'redeem', 'expire', 'reverse', 'adjust'))
);
--> statement-breakpoint
CREATE TABLE "loyalty"."lot_draws" (
	"customer_id" uuid NOT NULL,
	"entry_id" uuid NOT NULL,
	"lot_id" uuid NOT NULL,
	"points" bigint NOT NULL,
	CONSTRAINT "lot_draws_customer_id_entry_id_lot_id_pk" PRIMARY KEY("customer_id","entry_id","lot_id")
);
--> statement-breakpoint
CREATE TABLE "loyalty"."lots" (
	"customer_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"entry_id" uuid NOT NULL,
	"points" bigint NOT NULL,
	"remaining" bigint NOT NULL,
	"available_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lots_customer_id_id_pk" PRIMARY KEY("customer_id","id"),
	CONSTRAINT "lots_remaining_ck" CHECK ("loyalty"."lots"."remaining" >= 0 and "loyalty"."lots"."remaining" <= "loyalty"."lots"."points")
);
--> statement-breakpoint
CREATE TABLE "loyalty"."program_versions" (
	"version" integer PRIMARY KEY NOT NULL,
	"effective_from" timestamp with time zone NOT NULL,
	"rules" jsonb NOT NULL,
	"note" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loyalty"."rewards" (
	"code" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"points" bigint NOT NULL,
	"value_fen" bigint,
	"sku" text,
	"stock" integer,
	"active" boolean DEFAULT true NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loyalty"."badge_awards" (
	"customer_id" uuid NOT NULL,
	"badge_code" text NOT NULL,
	"period" text NOT NULL,
	"progress" bigint NOT NULL,
	"entry_id" uuid,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"awarded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "badge_awards_customer_id_badge_code_period_pk" PRIMARY KEY("customer_id","badge_code","period")
);
--> statement-breakpoint
CREATE TABLE "loyalty"."badges" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"rule" jsonb NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"repeatable" boolean DEFAULT false NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loyalty"."referrals" (
	"referee_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"referrer_id" uuid NOT NULL,
	"code" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"order_id" uuid,
	"channel" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "referrals_referee_id_id_pk" PRIMARY KEY("referee_id","id")
);
--> statement-breakpoint
CREATE TABLE "loyalty"."growth_entries" (
	"customer_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"points" bigint NOT NULL,
	"source_type" text NOT NULL,
	"source_id" text,
	"idempotency_key" text NOT NULL,
	"reason" text,
	"actor" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "growth_entries_customer_id_id_pk" PRIMARY KEY("customer_id","id")
);
--> statement-breakpoint
CREATE TABLE "loyalty"."tier_changes" (
	"customer_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"tier_set" text NOT NULL,
	"from_code" text,
	"to_code" text,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"note" text,
	"measure" bigint,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "tier_changes_customer_id_id_pk" PRIMARY KEY("customer_id","id")
);
--> statement-breakpoint
CREATE TABLE "loyalty"."tier_sets" (
	"code" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"definition" jsonb NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"effective_from" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tier_sets_code_version_pk" PRIMARY KEY("code","version")
);
--> statement-breakpoint
CREATE INDEX "accounts_tier_idx" ON "loyalty"."accounts" USING btree ("tier_set","tier_code");--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_referral_code_uq" ON "loyalty"."accounts" USING btree ("referral_code");--> statement-breakpoint
CREATE UNIQUE INDEX "holds_id_uq" ON "loyalty"."holds" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "holds_idempotency_uq" ON "loyalty"."holds" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "holds_open_idx" ON "loyalty"."holds" USING btree ("expires_at") WHERE "loyalty"."holds"."status" = 'held';--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_idempotency_uq" ON "loyalty"."ledger_entries" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "ledger_customer_time_idx" ON "loyalty"."ledger_entries" USING btree ("customer_id","occurred_at");--> statement-breakpoint
CREATE INDEX "ledger_source_idx" ON "loyalty"."ledger_entries" USING btree ("source_type","source_id");--> statement-breakpoint
CREATE INDEX "lots_expiry_idx" ON "loyalty"."lots" USING btree ("expires_at") WHERE "loyalty"."lots"."remaining" > 0;--> statement-breakpoint
CREATE INDEX "lots_release_idx" ON "loyalty"."lots" USING btree ("available_at") WHERE "loyalty"."lots"."remaining" > 0;--> statement-breakpoint
CREATE UNIQUE INDEX "program_versions_effective_uq" ON "loyalty"."program_versions" USING btree ("effective_from");--> statement-breakpoint
CREATE INDEX "badge_awards_badge_idx" ON "loyalty"."badge_awards" USING btree ("badge_code","awarded_at");--> statement-breakpoint
CREATE UNIQUE INDEX "referrals_referee_uq" ON "loyalty"."referrals" USING btree ("referee_id") WHERE "loyalty"."referrals"."status" <> 'rejected';--> statement-breakpoint
CREATE INDEX "referrals_referrer_idx" ON "loyalty"."referrals" USING btree ("referrer_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "growth_idempotency_uq" ON "loyalty"."growth_entries" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "growth_customer_time_idx" ON "loyalty"."growth_entries" USING btree ("customer_id","occurred_at");--> statement-breakpoint
CREATE INDEX "tier_changes_time_idx" ON "loyalty"."tier_changes" USING btree ("occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tier_sets_one_active_uq" ON "loyalty"."tier_sets" USING btree ("active") WHERE "loyalty"."tier_sets"."active";
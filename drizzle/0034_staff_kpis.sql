CREATE TABLE "staff"."reports" (
	"week" text PRIMARY KEY NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"to_at" timestamp with time zone NOT NULL,
	"body" jsonb NOT NULL,
	"generated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "staff"."reward_rules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"metric" text NOT NULL,
	"op" text DEFAULT 'gte' NOT NULL,
	"threshold" double precision NOT NULL,
	"period" text NOT NULL,
	"bonus_fen" bigint NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reward_rules_op_ck" CHECK ("staff"."reward_rules"."op" in ('gte', 'lte')),
	CONSTRAINT "reward_rules_period_ck" CHECK ("staff"."reward_rules"."period" in ('week', 'month')),
	CONSTRAINT "reward_rules_bonus_ck" CHECK ("staff"."reward_rules"."bonus_fen" >= 0)
);
--> statement-breakpoint
CREATE TABLE "staff"."rewards" (
	"id" uuid PRIMARY KEY NOT NULL,
	"rule_id" uuid NOT NULL,
	"staff_id" uuid NOT NULL,
	"store_code" text,
	"period" text NOT NULL,
	"metric" text NOT NULL,
	"value" double precision NOT NULL,
	"bonus_fen" bigint NOT NULL,
	"run_by" text NOT NULL,
	"awarded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "reward_rules_code_uq" ON "staff"."reward_rules" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "rewards_rule_staff_period_uq" ON "staff"."rewards" USING btree ("rule_id","staff_id","period");--> statement-breakpoint
CREATE INDEX "rewards_period_idx" ON "staff"."rewards" USING btree ("period","staff_id");
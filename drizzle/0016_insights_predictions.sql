CREATE SCHEMA "insights";
--> statement-breakpoint
CREATE TABLE "insights"."clv_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"as_of" date NOT NULL,
	"period_days" integer NOT NULL,
	"horizon_days" integer NOT NULL,
	"discount_rate" double precision NOT NULL,
	"params" jsonb NOT NULL,
	"standard_errors" jsonb NOT NULL,
	"log_lik" double precision NOT NULL,
	"spend_log_lik" double precision,
	"customers" integer NOT NULL,
	"repeat_buyers" integer NOT NULL,
	"seconds" double precision,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "insights"."customer_predictions" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"frequency" integer NOT NULL,
	"recency" double precision NOT NULL,
	"age" double precision NOT NULL,
	"p_alive" double precision NOT NULL,
	"expected_purchases" double precision NOT NULL,
	"expected_avg_value_fen" bigint,
	"clv_fen" bigint,
	"expected_days_to_next" double precision,
	"churn_risk" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "clv_runs_created_idx" ON "insights"."clv_runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "customer_predictions_p_alive_idx" ON "insights"."customer_predictions" USING btree ("p_alive");--> statement-breakpoint
CREATE INDEX "customer_predictions_clv_idx" ON "insights"."customer_predictions" USING btree ("clv_fen");
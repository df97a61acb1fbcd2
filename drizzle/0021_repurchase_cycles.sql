CREATE TABLE "insights"."cycle_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"as_of" date NOT NULL,
	"level" text NOT NULL,
	"params" jsonb NOT NULL,
	"cycles" integer NOT NULL,
	"established" integer NOT NULL,
	"changes_raised" integer NOT NULL,
	"seconds" double precision,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "insights"."repurchase_cycles" (
	"customer_id" uuid NOT NULL,
	"category" text NOT NULL,
	"run_id" uuid NOT NULL,
	"purchases" integer NOT NULL,
	"first_purchase" date NOT NULL,
	"last_purchase" date NOT NULL,
	"median_days" double precision,
	"latest_gap_days" integer NOT NULL,
	"previous_gap_days" integer,
	"expected_next" date,
	"days_overdue" integer,
	"change_kind" text,
	CONSTRAINT "repurchase_cycles_customer_id_category_pk" PRIMARY KEY("customer_id","category")
);
--> statement-breakpoint
CREATE TABLE "insights"."rhythm_changes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"category" text NOT NULL,
	"kind" text NOT NULL,
	"anchor_day" date NOT NULL,
	"run_id" uuid NOT NULL,
	"as_of" date NOT NULL,
	"median_days" double precision,
	"latest_gap_days" integer,
	"days_since_last" integer NOT NULL,
	"from_category" text,
	"to_category" text,
	"raised_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "cycle_runs_created_idx" ON "insights"."cycle_runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "repurchase_cycles_category_idx" ON "insights"."repurchase_cycles" USING btree ("category");--> statement-breakpoint
CREATE UNIQUE INDEX "rhythm_changes_key" ON "insights"."rhythm_changes" USING btree ("customer_id","category","kind","anchor_day");--> statement-breakpoint
CREATE INDEX "rhythm_changes_raised_idx" ON "insights"."rhythm_changes" USING btree ("raised_at");
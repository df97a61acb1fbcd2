CREATE TABLE "insights"."churn_model_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"as_of" date NOT NULL,
	"horizon_days" integer NOT NULL,
	"train_cutoff" date NOT NULL,
	"test_cutoff" date NOT NULL,
	"lambda" double precision NOT NULL,
	"model" jsonb NOT NULL,
	"evaluation" jsonb NOT NULL,
	"customers" integer NOT NULL,
	"seconds" double precision,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "insights"."churn_scores" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"probability" double precision NOT NULL,
	"top_factors" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "churn_model_runs_created_idx" ON "insights"."churn_model_runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "churn_scores_probability_idx" ON "insights"."churn_scores" USING btree ("probability");
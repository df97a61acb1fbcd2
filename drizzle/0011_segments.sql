CREATE SCHEMA "segments";
--> statement-breakpoint
CREATE TABLE "segments"."cluster_assignments" (
	"run_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"cluster" smallint NOT NULL,
	"features" jsonb,
	CONSTRAINT "cluster_assignments_run_id_customer_id_pk" PRIMARY KEY("run_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "segments"."cluster_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"as_of" date NOT NULL,
	"k" integer NOT NULL,
	"seed" integer NOT NULL,
	"features" jsonb NOT NULL,
	"clusters" jsonb NOT NULL,
	"silhouette" double precision,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "segments"."members" (
	"segment_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	CONSTRAINT "members_segment_id_customer_id_pk" PRIMARY KEY("segment_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "segments"."membership_log" (
	"segment_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"exited_at" timestamp with time zone,
	CONSTRAINT "membership_log_segment_id_customer_id_entered_at_pk" PRIMARY KEY("segment_id","customer_id","entered_at")
);
--> statement-breakpoint
CREATE TABLE "segments"."rfm_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"as_of" date NOT NULL,
	"window_days" integer,
	"method" text NOT NULL,
	"thresholds" jsonb NOT NULL,
	"customers" integer NOT NULL,
	"seconds" double precision,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "segments"."rfm_scores" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"as_of" date NOT NULL,
	"recency_days" integer NOT NULL,
	"frequency" integer NOT NULL,
	"monetary_fen" bigint NOT NULL,
	"r" smallint NOT NULL,
	"f" smallint NOT NULL,
	"m" smallint NOT NULL,
	"value_class" text NOT NULL,
	"segment" text NOT NULL,
	"current_value_fen" bigint,
	"potential_value_fen" bigint,
	"value_quadrant" text,
	"computed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "segments"."segments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"kind" text NOT NULL,
	"definition" jsonb NOT NULL,
	"treatment" jsonb,
	"active" boolean DEFAULT true NOT NULL,
	"size" integer DEFAULT 0 NOT NULL,
	"refreshed_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "segments"."size_history" (
	"segment_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"size" integer NOT NULL,
	"entered" integer DEFAULT 0 NOT NULL,
	"exited" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "size_history_segment_id_at_pk" PRIMARY KEY("segment_id","at")
);
--> statement-breakpoint
CREATE INDEX "cluster_assignments_cluster_idx" ON "segments"."cluster_assignments" USING btree ("run_id","cluster");--> statement-breakpoint
CREATE INDEX "members_customer_idx" ON "segments"."members" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "membership_log_customer_idx" ON "segments"."membership_log" USING btree ("customer_id","entered_at");--> statement-breakpoint
CREATE INDEX "rfm_scores_segment_idx" ON "segments"."rfm_scores" USING btree ("segment");--> statement-breakpoint
CREATE INDEX "rfm_scores_class_idx" ON "segments"."rfm_scores" USING btree ("value_class");--> statement-breakpoint
CREATE INDEX "rfm_scores_rf_idx" ON "segments"."rfm_scores" USING btree ("r","f");--> statement-breakpoint
CREATE UNIQUE INDEX "segments_code_uq" ON "segments"."segments" USING btree ("code");--> statement-breakpoint
CREATE INDEX "segments_kind_idx" ON "segments"."segments" USING btree ("kind");
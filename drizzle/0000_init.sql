CREATE SCHEMA "platform";
--> statement-breakpoint
CREATE SCHEMA "access";
--> statement-breakpoint
CREATE SCHEMA "activity";
--> statement-breakpoint
CREATE SCHEMA "catalog";
--> statement-breakpoint
CREATE SCHEMA "customers";
--> statement-breakpoint
CREATE SCHEMA "ingest";
--> statement-breakpoint
CREATE SCHEMA "orders";
--> statement-breakpoint
CREATE TABLE "platform"."event_deliveries" (
	"event_id" uuid NOT NULL,
	"subscriber" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_deliveries_event_id_subscriber_pk" PRIMARY KEY("event_id","subscriber")
);
--> statement-breakpoint
CREATE TABLE "platform"."outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"payload" jsonb NOT NULL,
	"delivered_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "access"."api_keys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "access"."sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"staff_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "access"."staff" (
	"id" uuid PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"display_name" text NOT NULL,
	"role" text NOT NULL,
	"store_code" text,
	"password_hash" text NOT NULL,
	"must_change_password" boolean DEFAULT true NOT NULL,
	"disabled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "staff_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "activity"."events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid,
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
CREATE TABLE "catalog"."products" (
	"id" uuid PRIMARY KEY NOT NULL,
	"sku" text NOT NULL,
	"name" text NOT NULL,
	"category_path" text[] NOT NULL,
	"brand" text,
	"list_price_fen" bigint,
	"consumable" boolean DEFAULT false NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_sku_unique" UNIQUE("sku")
);
--> statement-breakpoint
CREATE TABLE "catalog"."stores" (
	"id" uuid PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"city" text,
	"district" text,
	"address" text,
	"lat" double precision,
	"lng" double precision,
	"opened_on" date,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stores_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "customers"."consents" (
	"customer_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"channel" text NOT NULL,
	"purpose" text NOT NULL,
	"status" text NOT NULL,
	"source" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "consents_customer_id_id_pk" PRIMARY KEY("customer_id","id")
);
--> statement-breakpoint
CREATE TABLE "customers"."customers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"merged_into" uuid,
	"name" text,
	"gender" text,
	"birthday" date,
	"city" text,
	"income_band" text,
	"occupation" text,
	"family_stage" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customers"."duplicate_candidates" (
	"customer_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"other_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"score" double precision NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	CONSTRAINT "duplicate_candidates_customer_id_id_pk" PRIMARY KEY("customer_id","id")
);
--> statement-breakpoint
CREATE TABLE "customers"."identifiers" (
	"customer_id" uuid NOT NULL,
	"type" text NOT NULL,
	"value" text NOT NULL,
	"is_primary" boolean DEFAULT false NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "identifiers_customer_id_type_value_pk" PRIMARY KEY("customer_id","type","value")
);
--> statement-breakpoint
CREATE TABLE "customers"."merges" (
	"survivor_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"absorbed_id" uuid NOT NULL,
	"link_type" text,
	"link_value" text,
	"actor" text NOT NULL,
	"reason" text NOT NULL,
	"moved" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"absorbed_snapshot" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"survivor_snapshot" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"merged_at" timestamp with time zone DEFAULT now() NOT NULL,
	"undone_at" timestamp with time zone,
	"undone_by" text,
	CONSTRAINT "merges_survivor_id_id_pk" PRIMARY KEY("survivor_id","id")
);
--> statement-breakpoint
CREATE TABLE "customers"."timeline_items" (
	"customer_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"ref_id" text,
	"summary" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "timeline_items_customer_id_id_pk" PRIMARY KEY("customer_id","id")
);
--> statement-breakpoint
CREATE TABLE "ingest"."import_errors" (
	"run_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"field" text NOT NULL,
	"reason" text NOT NULL,
	CONSTRAINT "import_errors_run_id_line_field_pk" PRIMARY KEY("run_id","line","field")
);
--> statement-breakpoint
CREATE TABLE "ingest"."import_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"run_key" text NOT NULL,
	"kind" text NOT NULL,
	"file_path" text NOT NULL,
	"file_size" bigint NOT NULL,
	"file_mtime" timestamp with time zone NOT NULL,
	"head_sha256" text NOT NULL,
	"mapping" jsonb NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"phase" text DEFAULT 'read' NOT NULL,
	"checkpoint_line" integer DEFAULT 0 NOT NULL,
	"checkpoint_key" text,
	"rows_read" bigint DEFAULT 0 NOT NULL,
	"rows_skipped" bigint DEFAULT 0 NOT NULL,
	"rows_failed" bigint DEFAULT 0 NOT NULL,
	"created" bigint DEFAULT 0 NOT NULL,
	"updated" bigint DEFAULT 0 NOT NULL,
	"unchanged" bigint DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "import_runs_run_key_unique" UNIQUE("run_key")
);
--> statement-breakpoint
CREATE TABLE "ingest"."staged_rows" (
	"run_id" uuid NOT NULL,
	"group_key" text NOT NULL,
	"line" integer NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."order_lines" (
	"order_id" uuid NOT NULL,
	"line_no" integer NOT NULL,
	"customer_id" uuid,
	"sku" text NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price_fen" bigint NOT NULL,
	"discount_fen" bigint DEFAULT 0 NOT NULL,
	"paid_fen" bigint NOT NULL,
	"returned_quantity" integer DEFAULT 0 NOT NULL,
	"refunded_fen" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "order_lines_order_id_line_no_pk" PRIMARY KEY("order_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "orders"."order_versions" (
	"order_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"changed_fields" text[] NOT NULL,
	"previous" jsonb NOT NULL,
	CONSTRAINT "order_versions_order_id_version_pk" PRIMARY KEY("order_id","version")
);
--> statement-breakpoint
CREATE TABLE "orders"."orders" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid,
	"channel" text NOT NULL,
	"external_id" text NOT NULL,
	"store_code" text,
	"staff_code" text,
	"placed_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'completed' NOT NULL,
	"payment_method" text,
	"fulfillment" text,
	"currency" text DEFAULT 'CNY' NOT NULL,
	"gross_fen" bigint NOT NULL,
	"discount_fen" bigint DEFAULT 0 NOT NULL,
	"paid_fen" bigint NOT NULL,
	"refunded_fen" bigint DEFAULT 0 NOT NULL,
	"line_count" integer NOT NULL,
	"content_hash" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"source" text DEFAULT 'api' NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."return_lines" (
	"return_id" uuid NOT NULL,
	"order_line_no" integer NOT NULL,
	"quantity" integer NOT NULL,
	"refund_fen" bigint NOT NULL,
	CONSTRAINT "return_lines_return_id_order_line_no_pk" PRIMARY KEY("return_id","order_line_no")
);
--> statement-breakpoint
CREATE TABLE "orders"."returns" (
	"id" uuid PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL,
	"customer_id" uuid,
	"channel" text NOT NULL,
	"external_id" text NOT NULL,
	"returned_at" timestamp with time zone NOT NULL,
	"reason" text,
	"refund_fen" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "platform"."outbox" USING btree ("next_attempt_at") WHERE delivered_at is null;--> statement-breakpoint
CREATE INDEX "sessions_staff_idx" ON "access"."sessions" USING btree ("staff_id");--> statement-breakpoint
CREATE INDEX "events_customer_idx" ON "activity"."events" USING btree ("customer_id","occurred_at");--> statement-breakpoint
CREATE INDEX "events_unattributed_anonymous_idx" ON "activity"."events" USING btree ("anonymous_id") WHERE customer_id is null and anonymous_id is not null;--> statement-breakpoint
CREATE INDEX "events_unattributed_device_idx" ON "activity"."events" USING btree ("device_id") WHERE customer_id is null and device_id is not null;--> statement-breakpoint
CREATE INDEX "events_type_time_idx" ON "activity"."events" USING btree ("type","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "events_source_external_uq" ON "activity"."events" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "consents_current_idx" ON "customers"."consents" USING btree ("customer_id","channel","purpose","recorded_at");--> statement-breakpoint
CREATE INDEX "customers_merged_into_idx" ON "customers"."customers" USING btree ("merged_into");--> statement-breakpoint
CREATE INDEX "customers_name_idx" ON "customers"."customers" USING btree ("name" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "customers_dedupe_idx" ON "customers"."customers" USING btree ("name","birthday","city");--> statement-breakpoint
CREATE INDEX "customers_city_idx" ON "customers"."customers" USING btree ("city");--> statement-breakpoint
CREATE INDEX "customers_tags_idx" ON "customers"."customers" USING gin ("tags");--> statement-breakpoint
CREATE UNIQUE INDEX "duplicate_pair_uq" ON "customers"."duplicate_candidates" USING btree ("customer_id","other_id");--> statement-breakpoint
CREATE INDEX "duplicate_id_idx" ON "customers"."duplicate_candidates" USING btree ("id");--> statement-breakpoint
CREATE INDEX "duplicate_open_idx" ON "customers"."duplicate_candidates" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "identifiers_type_value_uq" ON "customers"."identifiers" USING btree ("type","value");--> statement-breakpoint
CREATE INDEX "merges_id_idx" ON "customers"."merges" USING btree ("id");--> statement-breakpoint
CREATE INDEX "merges_absorbed_idx" ON "customers"."merges" USING btree ("absorbed_id");--> statement-breakpoint
CREATE INDEX "timeline_items_time_idx" ON "customers"."timeline_items" USING btree ("customer_id","occurred_at");--> statement-breakpoint
CREATE INDEX "order_lines_sku_idx" ON "orders"."order_lines" USING btree ("sku");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_channel_external_uq" ON "orders"."orders" USING btree ("channel","external_id");--> statement-breakpoint
CREATE INDEX "orders_customer_idx" ON "orders"."orders" USING btree ("customer_id","placed_at");--> statement-breakpoint
CREATE INDEX "orders_placed_idx" ON "orders"."orders" USING btree ("placed_at");--> statement-breakpoint
CREATE INDEX "orders_store_idx" ON "orders"."orders" USING btree ("store_code","placed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "returns_channel_external_uq" ON "orders"."returns" USING btree ("channel","external_id");--> statement-breakpoint
CREATE INDEX "returns_order_idx" ON "orders"."returns" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "returns_customer_idx" ON "orders"."returns" USING btree ("customer_id");
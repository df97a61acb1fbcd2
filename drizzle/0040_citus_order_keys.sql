-- Orders, lines, versions, returns and return lines keyed by customer_id for Citus (docs/adr/0014-citus-distribution.md,
-- items 1, 2 and 5). Guest sales get the synthetic platform.guest_customer_id(channel, external_id) and guest = true;
-- children carry their parent's customer_id; the global idempotency key (channel, external_id) moves to
-- orders.external_keys. Backfills run before NOT NULL and the new keys, so existing databases migrate.
-- No foreign keys exist between these tables (the code keeps children's customer_id equal to the parent's).
CREATE TABLE "orders"."external_keys" (
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"external_id" text NOT NULL,
	"customer_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	CONSTRAINT "external_keys_external_id_channel_kind_pk" PRIMARY KEY("external_id","channel","kind")
);
--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "guest" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."returns" ADD COLUMN "guest" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."order_versions" ADD COLUMN "customer_id" uuid;--> statement-breakpoint
ALTER TABLE "orders"."return_lines" ADD COLUMN "customer_id" uuid;--> statement-breakpoint
UPDATE "orders"."orders" SET "customer_id" = platform.guest_customer_id("channel", "external_id"), "guest" = true
  WHERE "customer_id" IS NULL;--> statement-breakpoint
-- A return takes its order's customer and guest flag; a return whose order is gone is a guest of its own key.
UPDATE "orders"."returns" r SET "customer_id" = o."customer_id", "guest" = o."guest"
  FROM "orders"."orders" o
  WHERE o."id" = r."order_id" AND (r."customer_id" IS DISTINCT FROM o."customer_id" OR r."guest" <> o."guest");--> statement-breakpoint
UPDATE "orders"."returns" SET "customer_id" = platform.guest_customer_id("channel", "external_id"), "guest" = true
  WHERE "customer_id" IS NULL;--> statement-breakpoint
UPDATE "orders"."order_lines" l SET "customer_id" = o."customer_id"
  FROM "orders"."orders" o
  WHERE o."id" = l."order_id" AND l."customer_id" IS DISTINCT FROM o."customer_id";--> statement-breakpoint
UPDATE "orders"."order_versions" v SET "customer_id" = o."customer_id"
  FROM "orders"."orders" o WHERE o."id" = v."order_id";--> statement-breakpoint
UPDATE "orders"."return_lines" rl SET "customer_id" = r."customer_id"
  FROM "orders"."returns" r WHERE r."id" = rl."return_id";--> statement-breakpoint
-- Children whose parent row no longer exists were unreachable (every read goes through the parent): dropped.
DELETE FROM "orders"."order_lines" WHERE "customer_id" IS NULL;--> statement-breakpoint
DELETE FROM "orders"."order_versions" WHERE "customer_id" IS NULL;--> statement-breakpoint
DELETE FROM "orders"."return_lines" WHERE "customer_id" IS NULL;--> statement-breakpoint
INSERT INTO "orders"."external_keys" ("kind", "channel", "external_id", "customer_id", "id")
  SELECT 'order', "channel", "external_id", "customer_id", "id" FROM "orders"."orders";--> statement-breakpoint
INSERT INTO "orders"."external_keys" ("kind", "channel", "external_id", "customer_id", "id")
  SELECT 'return', "channel", "external_id", "customer_id", "id" FROM "orders"."returns";--> statement-breakpoint
DROP INDEX "orders"."orders_channel_external_uq";--> statement-breakpoint
DROP INDEX "orders"."returns_channel_external_uq";--> statement-breakpoint
DROP INDEX "orders"."returns_customer_idx";--> statement-breakpoint
DROP INDEX "orders"."orders_placed_idx";--> statement-breakpoint
ALTER TABLE "orders"."orders" DROP CONSTRAINT "orders_pkey";--> statement-breakpoint
ALTER TABLE "orders"."returns" DROP CONSTRAINT "returns_pkey";--> statement-breakpoint
ALTER TABLE "orders"."order_lines" DROP CONSTRAINT "order_lines_order_id_line_no_pk";--> statement-breakpoint
ALTER TABLE "orders"."order_versions" DROP CONSTRAINT "order_versions_order_id_version_pk";--> statement-breakpoint
ALTER TABLE "orders"."return_lines" DROP CONSTRAINT "return_lines_return_id_order_line_no_pk";--> statement-breakpoint
ALTER TABLE "orders"."orders" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."returns" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."order_lines" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."order_versions" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."return_lines" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD CONSTRAINT "orders_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
ALTER TABLE "orders"."returns" ADD CONSTRAINT "returns_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
ALTER TABLE "orders"."order_lines" ADD CONSTRAINT "order_lines_customer_id_order_id_line_no_pk" PRIMARY KEY("customer_id","order_id","line_no");--> statement-breakpoint
ALTER TABLE "orders"."order_versions" ADD CONSTRAINT "order_versions_customer_id_order_id_version_pk" PRIMARY KEY("customer_id","order_id","version");--> statement-breakpoint
ALTER TABLE "orders"."return_lines" ADD CONSTRAINT "return_lines_customer_id_return_id_order_line_no_pk" PRIMARY KEY("customer_id","return_id","order_line_no");--> statement-breakpoint
CREATE INDEX "orders_id_idx" ON "orders"."orders" USING btree ("id");--> statement-breakpoint
CREATE INDEX "orders_channel_external_idx" ON "orders"."orders" USING btree ("channel","external_id");--> statement-breakpoint
CREATE INDEX "returns_id_idx" ON "orders"."returns" USING btree ("id");--> statement-breakpoint
CREATE INDEX "returns_channel_external_idx" ON "orders"."returns" USING btree ("channel","external_id");--> statement-breakpoint
CREATE INDEX "orders_placed_idx" ON "orders"."orders" USING btree ("placed_at","status","customer_id","paid_fen","channel","store_code","guest");

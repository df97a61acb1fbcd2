ALTER TABLE "customers"."customers" ADD COLUMN "first_order_at" timestamp with time zone;--> statement-breakpoint
-- Backfill from the stored orders (hand-written; from now on the orders module keeps it).
UPDATE "customers"."customers" c SET "first_order_at" = f.first_at
FROM (SELECT customer_id, min(placed_at) AS first_at FROM "orders"."orders"
      WHERE status <> 'cancelled' AND customer_id IS NOT NULL GROUP BY customer_id) f
WHERE c.id = f.customer_id;--> statement-breakpoint
CREATE INDEX "customers_member_since_idx" ON "customers"."customers" USING btree (least("created_at", "first_order_at")) WHERE "customers"."customers"."status" = 'active';--> statement-breakpoint
CREATE INDEX "customers_first_order_idx" ON "customers"."customers" USING btree ("first_order_at") WHERE "customers"."customers"."status" = 'active';
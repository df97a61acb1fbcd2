-- Promotions keyed by customer_id so they can be distributed on Citus (docs/adr/0014-citus-distribution.md items 1, 3, 4).
-- Guest checkouts get the synthetic platform.guest_customer_id('checkout', <idempotency key, else the reservation id>)
-- and guest = true (the code computes the same id, so a retried guest checkout still finds its reservation); their
-- redemptions take the reservation's. Coupons assigned to nobody (pool codes) get the synthetic owner
-- platform.guest_customer_id('coupon-pool', <coupon id>) and assigned = false; codes move to the key table
-- promotions.coupon_codes (code → coupon, customer_id), which enforces their uniqueness.
CREATE TABLE "promotions"."coupon_codes" (
	"code" text PRIMARY KEY NOT NULL,
	"coupon_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL
);
--> statement-breakpoint
ALTER TABLE "promotions"."coupons" ADD COLUMN "assigned" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "promotions"."redemptions" ADD COLUMN "guest" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "promotions"."reservations" ADD COLUMN "guest" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "promotions"."reservations" SET "guest" = true,
  "customer_id" = platform.guest_customer_id('checkout', coalesce("idempotency_key", "id"::text))
  WHERE "customer_id" IS NULL;--> statement-breakpoint
UPDATE "promotions"."redemptions" r SET "customer_id" = v."customer_id", "guest" = v."guest"
  FROM "promotions"."reservations" v
  WHERE v."id" = r."reservation_id" AND (r."customer_id" IS DISTINCT FROM v."customer_id" OR r."guest" <> v."guest");--> statement-breakpoint
-- A redemption whose reservation is gone: a guest of its own reservation id.
UPDATE "promotions"."redemptions" SET "guest" = true, "customer_id" = platform.guest_customer_id('checkout', "reservation_id"::text)
  WHERE "customer_id" IS NULL;--> statement-breakpoint
UPDATE "promotions"."coupons" SET "assigned" = true WHERE "customer_id" IS NOT NULL;--> statement-breakpoint
UPDATE "promotions"."coupons" SET "customer_id" = platform.guest_customer_id('coupon-pool', "id"::text) WHERE "customer_id" IS NULL;--> statement-breakpoint
INSERT INTO "promotions"."coupon_codes" ("code", "coupon_id", "customer_id") SELECT "code", "id", "customer_id" FROM "promotions"."coupons";--> statement-breakpoint
DROP INDEX "promotions"."coupons_code_uq";--> statement-breakpoint
DROP INDEX "promotions"."coupons_idempotency_uq";--> statement-breakpoint
DROP INDEX "promotions"."reservations_idempotency_uq";--> statement-breakpoint
ALTER TABLE "promotions"."redemptions" DROP CONSTRAINT "redemptions_reservation_id_seq_pk";--> statement-breakpoint
ALTER TABLE "promotions"."coupons" DROP CONSTRAINT "coupons_pkey";--> statement-breakpoint
ALTER TABLE "promotions"."reservations" DROP CONSTRAINT "reservations_pkey";--> statement-breakpoint
ALTER TABLE "promotions"."coupons" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "promotions"."redemptions" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "promotions"."reservations" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "promotions"."coupons" ADD CONSTRAINT "coupons_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
ALTER TABLE "promotions"."redemptions" ADD CONSTRAINT "redemptions_customer_id_reservation_id_seq_pk" PRIMARY KEY("customer_id","reservation_id","seq");--> statement-breakpoint
ALTER TABLE "promotions"."reservations" ADD CONSTRAINT "reservations_customer_id_id_pk" PRIMARY KEY("customer_id","id");--> statement-breakpoint
CREATE INDEX "coupons_id_idx" ON "promotions"."coupons" USING btree ("id");--> statement-breakpoint
CREATE INDEX "coupons_code_idx" ON "promotions"."coupons" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "coupons_customer_idempotency_uq" ON "promotions"."coupons" USING btree ("customer_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "coupons_idempotency_idx" ON "promotions"."coupons" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "redemptions_reservation_idx" ON "promotions"."redemptions" USING btree ("reservation_id");--> statement-breakpoint
CREATE INDEX "reservations_id_idx" ON "promotions"."reservations" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "reservations_customer_idempotency_uq" ON "promotions"."reservations" USING btree ("customer_id","idempotency_key");

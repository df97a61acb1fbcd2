-- Coupons: the idempotency-key indexes hold keyed rows only (pool codes have none), and lookups by code go through
-- promotions.coupon_codes, so coupons needs no index on code (docs/adr/0014-citus-distribution.md).
DROP INDEX "promotions"."coupons_code_idx";--> statement-breakpoint
DROP INDEX "promotions"."coupons_customer_idempotency_uq";--> statement-breakpoint
DROP INDEX "promotions"."coupons_idempotency_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "coupons_customer_idempotency_uq" ON "promotions"."coupons" USING btree ("customer_id","idempotency_key") WHERE "promotions"."coupons"."idempotency_key" is not null;--> statement-breakpoint
CREATE INDEX "coupons_idempotency_idx" ON "promotions"."coupons" USING btree ("idempotency_key") WHERE "promotions"."coupons"."idempotency_key" is not null;
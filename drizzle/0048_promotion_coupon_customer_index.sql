-- promotions.coupons: the primary key (customer_id, id) serves a customer's coupons; the index on (customer_id, status)
-- only slowed inserts of pool codes (each under its own synthetic owner).
DROP INDEX "promotions"."coupons_customer_idx";
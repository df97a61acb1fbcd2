-- Loyalty idempotency keys unique per customer (customer_id, idempotency_key) so the tables can be distributed by
-- customer_id on Citus (docs/adr/0014-citus-distribution.md); holds keep an index on id alone for lookups by id.
DROP INDEX "loyalty"."holds_id_uq";--> statement-breakpoint
DROP INDEX "loyalty"."holds_idempotency_uq";--> statement-breakpoint
DROP INDEX "loyalty"."ledger_idempotency_uq";--> statement-breakpoint
DROP INDEX "loyalty"."growth_idempotency_uq";--> statement-breakpoint
CREATE INDEX "holds_id_idx" ON "loyalty"."holds" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "holds_customer_idempotency_uq" ON "loyalty"."holds" USING btree ("customer_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_customer_idempotency_uq" ON "loyalty"."ledger_entries" USING btree ("customer_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "growth_customer_idempotency_uq" ON "loyalty"."growth_entries" USING btree ("customer_id","idempotency_key");
-- Message dedupe keys unique per customer (customer_id, dedupe_key) so messages can be distributed by customer_id on
-- Citus (docs/adr/0014-citus-distribution.md); a plain index on dedupe_key serves the cross-customer check of sendNow.
DROP INDEX "messaging"."messages_dedupe_uq";--> statement-breakpoint
CREATE UNIQUE INDEX "messages_customer_dedupe_uq" ON "messaging"."messages" USING btree ("customer_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "messages_dedupe_idx" ON "messaging"."messages" USING btree ("dedupe_key");
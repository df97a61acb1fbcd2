DROP INDEX "orders"."order_lines_sku_idx";--> statement-breakpoint
CREATE INDEX "staged_rows_group_idx" ON "ingest"."staged_rows" USING btree ("run_id","group_key","line");
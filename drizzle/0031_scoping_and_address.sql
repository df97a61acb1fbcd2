ALTER TABLE "access"."api_keys" ADD COLUMN "store_code" text;--> statement-breakpoint
ALTER TABLE "customers"."customers" ADD COLUMN "address" text;
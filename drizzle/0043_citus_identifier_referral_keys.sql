CREATE TABLE "customers"."identifier_keys" (
	"value" text NOT NULL,
	"type" text NOT NULL,
	"customer_id" uuid NOT NULL,
	CONSTRAINT "identifier_keys_value_type_pk" PRIMARY KEY("value","type")
);
--> statement-breakpoint
CREATE TABLE "loyalty"."referral_codes" (
	"code" text PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL
);
--> statement-breakpoint
-- Backfill the key tables from the rows they key (the unique indexes dropped below guaranteed one row per key).
INSERT INTO "customers"."identifier_keys" ("value", "type", "customer_id")
SELECT "value", "type", "customer_id" FROM "customers"."identifiers";--> statement-breakpoint
INSERT INTO "loyalty"."referral_codes" ("code", "customer_id")
SELECT "referral_code", "customer_id" FROM "loyalty"."accounts" WHERE "referral_code" IS NOT NULL;--> statement-breakpoint
DROP INDEX "customers"."identifiers_type_value_uq";--> statement-breakpoint
DROP INDEX "loyalty"."accounts_referral_code_uq";--> statement-breakpoint
CREATE INDEX "identifiers_type_value_idx" ON "customers"."identifiers" USING btree ("type","value");--> statement-breakpoint
CREATE INDEX "accounts_referral_code_idx" ON "loyalty"."accounts" USING btree ("referral_code");
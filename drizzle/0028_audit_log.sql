CREATE TABLE "platform"."audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"details" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "platform"."audit_log" USING btree ("action","seq");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "platform"."audit_log" USING btree ("actor","seq");--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "platform"."audit_log" USING btree ("target_type","target_id","seq");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "platform"."audit_log" USING btree ("at");
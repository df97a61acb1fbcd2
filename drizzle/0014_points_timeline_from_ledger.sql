-- Points entries now reach the customer 360 timeline from loyalty.ledger_entries when it is read
-- (LedgerService.timelineSource); the copies written per entry until now would show twice.
DELETE FROM "customers"."timeline_items" WHERE "kind" IN ('loyalty.points_earned', 'loyalty.points_redeemed', 'loyalty.points_expired');

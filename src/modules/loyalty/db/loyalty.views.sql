-- Published read-only view of loyalty accounts for other modules (segments). Columns are a contract:
-- add new ones at the end, never rename or drop. Points are whole points; growth is the tier value.
create or replace view loyalty.account_facts as
select
  a.customer_id,
  a.available,
  a.pending,
  a.lifetime_earned,
  a.growth,
  a.tier_set,
  a.tier_code,
  a.tier_since
from loyalty.accounts a;

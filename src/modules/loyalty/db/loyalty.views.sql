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
--> statement-breakpoint
-- Published read-only view of referrals for other modules (segments: referrals made are a behaviour
-- feature of clustering). Columns are a contract: add new ones at the end, never rename or drop.
-- status: pending | rewarded | rejected.
create or replace view loyalty.referral_facts as
select
  r.id,
  r.referrer_id,
  r.referee_id,
  r.status,
  r.channel,
  r.created_at,
  r.settled_at
from loyalty.referrals r;

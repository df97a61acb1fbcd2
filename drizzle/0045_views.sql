-- src/modules/activity/db/activity.views.sql
-- Published read-only view of behaviour events for other modules (customer 360, segments,
-- insights). Columns are a contract: add new ones at the end, never rename or drop.
-- Anonymous events (activity.anonymous_events, customer_id null) are included so analytics can count them; readers
-- that want one person's events filter on customer_id, which the (customer_id, occurred_at) index serves.
create or replace view activity.event_facts as
select
  e.id,
  e.customer_id,
  e.type,
  e.occurred_at,
  e.channel,
  e.store_code,
  e.sku,
  e.properties
from activity.events e
union all
select
  a.id,
  null::uuid,
  a.type,
  a.occurred_at,
  a.channel,
  a.store_code,
  a.sku,
  a.properties
from activity.anonymous_events a;
--> statement-breakpoint
-- src/modules/catalog/db/catalog.views.sql
-- Published read-only view of stores for other modules (customer 360, segments, insights).
-- Columns are a contract: add new ones at the end, never rename or drop.
create or replace view catalog.store_facts as
select
  s.code,
  s.name,
  s.city,
  s.district,
  s.lat,
  s.lng
from catalog.stores s;
--> statement-breakpoint
-- src/modules/customers/db/customers.views.sql
-- Published read-only view of golden profiles for other modules (insights, segments). No names,
-- phones or emails: personal data stays behind the customers service and its masking.
-- Columns are a contract: add new ones at the end, never rename or drop.
-- status: active | merged | erased; a merged profile's records have moved to merged_into.
create or replace view customers.customer_facts as
select
  c.id,
  c.status,
  c.merged_into,
  c.created_at,
  c.last_seen_at,
  c.gender,
  c.birthday,
  c.city,
  c.source,
  -- earliest non-cancelled order; member_since is when the person became known: created or first bought
  c.first_order_at,
  c.member_since,
  -- demographics and labels for rule segments (tags, income band, occupation, family stage, free attributes)
  c.tags,
  c.income_band,
  c.occupation,
  c.family_stage,
  c.attributes
from customers.customers c;
--> statement-breakpoint
-- Published read-only consent history (append-only): the latest decision per (channel, purpose) is current;
-- a decision on channel 'all' covers every channel until a later one for that channel. Ties on recorded_at
-- break by id, as in the 360.
create or replace view customers.consent_facts as
select
  k.customer_id,
  k.id,
  k.channel,
  k.purpose,
  k.status,
  k.recorded_at
from customers.consents k;
--> statement-breakpoint
-- src/modules/insights/db/insights.views.sql
-- What other modules read of the predictions (segments' `prediction` condition, journeys): one row per customer and
-- model. churn: score 1 − P(alive), label the risk band; clv: score the CLV in yuan; purchases: expected purchases in
-- the run's horizon; next_purchase_days: days until one more purchase is expected (no row when none is within 10 years);
-- churn_model: the supervised churn model's probability of no order in its horizon (insights.churn_scores).
create or replace view insights.prediction_facts as
select p.customer_id, 'churn'::text as model, 1 - p.p_alive as score, p.churn_risk as label from insights.customer_predictions p
union all
select p.customer_id, 'clv', p.clv_fen / 100.0, null from insights.customer_predictions p where p.clv_fen is not null
union all
select p.customer_id, 'purchases', p.expected_purchases, null from insights.customer_predictions p
union all
select p.customer_id, 'next_purchase_days', p.expected_days_to_next, null from insights.customer_predictions p where p.expected_days_to_next is not null
union all
select s.customer_id, 'churn_model', s.probability, null from insights.churn_scores s;
--> statement-breakpoint
-- src/modules/loyalty/db/loyalty.views.sql
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
--> statement-breakpoint
-- src/modules/orders/db/orders.views.sql
-- Published read-only views of orders, lines and returns for other modules (customer 360,
-- segments, loyalty, insights). Columns are a contract: add new ones at the end, never rename or drop.
-- customer_id comes from the order row so a filter on it uses orders_customer_idx and reaches the
-- lines through their primary key. Product columns are LEFT JOINed: a line whose SKU the catalog
-- does not know (yet) is still counted.
create or replace view orders.order_facts as
select
  o.id,
  o.customer_id,
  o.channel,
  o.external_id,
  o.store_code,
  o.placed_at,
  o.status,
  o.gross_fen,
  o.discount_fen,
  o.paid_fen,
  o.refunded_fen,
  o.line_count,
  -- last: a view can only gain columns at its end. The guide who sold (access.staff.username), for staff KPIs.
  o.staff_code,
  -- last: a guest sale (customer_id is the synthetic guestCustomerId, not a member); readers counting customers
  -- filter `not guest`.
  o.guest
from orders.orders o;
--> statement-breakpoint
create or replace view orders.line_facts as
select
  l.order_id,
  l.line_no,
  o.customer_id,
  o.channel,
  o.store_code,
  o.placed_at,
  l.sku,
  p.name as product_name,
  p.category_path,
  p.brand,
  l.quantity,
  l.paid_fen,
  l.returned_quantity,
  l.refunded_fen,
  -- last: a view can only gain columns at its end. A rule over lines filters cancelled orders here instead of
  -- joining orders a second time.
  o.status,
  o.guest
from orders.order_lines l
join orders.orders o on o.customer_id = l.customer_id and o.id = l.order_id
left join catalog.products p on p.sku = l.sku;
--> statement-breakpoint
create or replace view orders.return_facts as
select
  r.id,
  r.order_id,
  r.customer_id,
  r.channel,
  r.external_id,
  r.returned_at,
  r.refund_fen,
  r.reason,
  r.guest
from orders.returns r;
--> statement-breakpoint
-- src/platform/db/functions.sql
-- Functions shared by every module's SQL. Pure and immutable; safe to call in keys, backfills and inserts.

-- The synthetic customer id of a guest sale (ADR 0014; src/platform/ids.ts guestCustomerId, which must agree):
-- a name-based UUID version 3 (MD5, RFC 4122 §4.3) of 'guest:<channel>:<external id>' in Kemai's id namespace.
create or replace function platform.guest_customer_id(channel text, external_id text) returns uuid
language sql immutable strict parallel safe as $$
  select (substr(h, 1, 12) || '3' || substr(h, 14, 3)
          || to_hex(((('x' || substr(h, 17, 1))::bit(4))::int & 3) | 8) || substr(h, 18, 15))::uuid
  from (select md5(decode('6f1d2c4e8b9a5e3fa1c70d4b2e9f7a15', 'hex') || convert_to('guest:' || channel || ':' || external_id, 'UTF8')) as h) x
$$;

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

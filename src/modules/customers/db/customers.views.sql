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

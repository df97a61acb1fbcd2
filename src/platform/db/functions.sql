-- Functions shared by every module's SQL. Pure and immutable; safe to call in keys, backfills and inserts.

-- The synthetic customer id of a guest sale (ADR 0014; src/platform/ids.ts guestCustomerId, which must agree):
-- a name-based UUID version 3 (MD5, RFC 4122 §4.3) of 'guest:<channel>:<external id>' in Kemai's id namespace.
create or replace function platform.guest_customer_id(channel text, external_id text) returns uuid
language sql immutable strict parallel safe as $$
  select (substr(h, 1, 12) || '3' || substr(h, 14, 3)
          || to_hex(((('x' || substr(h, 17, 1))::bit(4))::int & 3) | 8) || substr(h, 18, 15))::uuid
  from (select md5(decode('6f1d2c4e8b9a5e3fa1c70d4b2e9f7a15', 'hex') || convert_to('guest:' || channel || ':' || external_id, 'UTF8')) as h) x
$$;

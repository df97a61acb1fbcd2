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

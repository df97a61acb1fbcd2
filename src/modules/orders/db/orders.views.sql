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

-- What the application writes to v1 while CDC runs, before the cutover: an insert, an update, a delete, a re-parent.
INSERT INTO v1_customers (id, name, email, created) VALUES (900001, 'Late Customer', 'LATE@shop.example', timestamptz '2026-12-01 00:00:00+00');
INSERT INTO v1_orders (id, customer_id, amount, status, placed_at) VALUES (900001, 900001, 12.34, 'new', timestamptz '2026-12-01 00:05:00+00');
UPDATE v1_customers SET email = 'renamed@shop.example' WHERE id = 1;
UPDATE v1_orders SET customer_id = 900001 WHERE id = 2;
DELETE FROM v1_orders WHERE id = 3;

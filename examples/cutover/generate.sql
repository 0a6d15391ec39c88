-- Deterministic v1 data for S5. ${scale} is replaced by the demo's --scale (default 1).
SELECT setseed(0.5);
INSERT INTO v1_customers (name, email, created)
SELECT '  Customer ' || g || ' ', CASE WHEN g % 13 = 0 THEN NULL ELSE 'Customer' || g || '@Shop.example' END,
       timestamptz '2020-01-01 00:00:00+00' + g * interval '5 hours'
FROM generate_series(1, 2000 * ${scale}) g;
INSERT INTO v1_orders (customer_id, amount, status, placed_at)
SELECT 1 + (g * 7919) % (2000 * ${scale}), round((random() * 900)::numeric, 2),
       (ARRAY['new', 'PAID', 'paid', 'shipped', NULL, 'refunded'])[1 + g % 6],
       timestamptz '2022-01-01 00:00:00+00' + g * interval '11 minutes'
FROM generate_series(1, 10000 * ${scale}) g;

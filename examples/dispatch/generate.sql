-- Deterministic legacy data for S3. ${scale} is replaced by the demo's --scale (default 1).
SELECT setseed(0.17);
INSERT INTO auth_user (username, email, date_joined)
SELECT 'user' || g, CASE WHEN g % 9 = 0 THEN NULL ELSE 'user' || g || '@clinic.example' END,
       timestamptz '2019-01-01 00:00:00+00' + g * interval '7 hours'
FROM generate_series(1, 60 * ${scale}) g;
INSERT INTO dispatch_office (name, address, phone, created)
SELECT 'Office ' || g, g || ' Main Street', '+1-555-01' || lpad(g::text, 2, '0'), timestamptz '2018-05-01 00:00:00+00' + g * interval '30 days'
FROM generate_series(1, 5 * ${scale}) g;
INSERT INTO dispatch_profile (user_id, office_id, role, phone)
SELECT g, 1 + g % (5 * ${scale}), (ARRAY['doctor', 'dispatcher', 'admin', 'DOCTOR', NULL])[1 + g % 5], NULL
FROM generate_series(1, 50 * ${scale}) g;
INSERT INTO dispatch_doctor (profile_id, specialty, license_no)
SELECT g, (ARRAY['cardiology', 'pediatrics', 'general'])[1 + g % 3], 'LIC-' || (10000 + g)
FROM generate_series(1, 20 * ${scale}) g;
INSERT INTO dispatch_patient (doctor_id, first_name, last_name, dob, email, insurance_no)
SELECT 1 + floor(random() * 20 * ${scale})::int, (ARRAY['Ana', 'Bo', 'Chen', 'Dalia', 'Émile'])[1 + g % 5], 'Patient' || g,
       date '1940-01-01' + (g * 97) % 29000, CASE WHEN g % 7 = 0 THEN NULL ELSE 'p' || g || '@mail.example' END,
       'INS-' || (500000 + g)
FROM generate_series(1, 200 * ${scale}) g;
INSERT INTO dispatch_order (patient_id, status, total, created_at, notes)
SELECT 1 + floor(random() * 200 * ${scale})::int, (ARRAY['new', 'dispatched', 'delivered', 'cancelled', 'DELIVERED', 'lost?', NULL])[1 + g % 7],
       round((random() * 500)::numeric, 2), timestamptz '2023-01-01 00:00:00+00' + g * interval '53 minutes',
       CASE WHEN g % 11 = 0 THEN repeat('note ', 200) ELSE NULL END
FROM generate_series(1, 600 * ${scale}) g;
-- Threaded comments: replies point at earlier comments of any order.
INSERT INTO dispatch_comment (order_id, parent_id, author_id, body, created_at)
SELECT 1 + g % (600 * ${scale}), CASE WHEN g % 3 = 0 AND g > 1 THEN 1 + floor(random() * (g - 1))::int ELSE NULL END,
       1 + g % (60 * ${scale}), 'Comment ' || g || ' ✓', timestamptz '2023-02-01 00:00:00+00' + g * interval '17 minutes'
FROM generate_series(1, 400 * ${scale}) g;
-- Dirty rows on purpose: a patient whose doctor was deleted long ago, and a reply to a comment that never existed.
INSERT INTO dispatch_patient (id, doctor_id, first_name, last_name, dob, email, insurance_no)
VALUES (900001, 999999, 'Orphaned', 'Patient', date '1970-01-01', NULL, 'INS-0');
INSERT INTO dispatch_comment (id, order_id, parent_id, author_id, body, created_at)
VALUES (900001, 1, 999999, 1, 'Reply to a deleted comment', timestamptz '2023-03-01 00:00:00+00');

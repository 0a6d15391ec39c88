-- Deterministic legacy data for S4. ${scale} is replaced by the demo's --scale (default 1).
INSERT INTO auth.users SELECT md5('user' || g)::uuid, 'user' || g || '@example.com' FROM generate_series(1, 40 * ${scale}) g;
INSERT INTO users
SELECT md5('user' || g)::uuid, CASE WHEN g % 10 = 0 THEN 'User' || g || '@Example.com' ELSE 'user' || g || '@example.com' END,
       CASE WHEN g % 8 = 0 THEN NULL ELSE 'User Number ' || g END, timestamp '2022-01-01 08:00:00' + g * interval '1 day 2 hours'
FROM generate_series(1, 40 * ${scale}) g;
-- Settings and preferences exist for some users only; NULLs where the new store wants defaults.
INSERT INTO user_settings
SELECT md5('user' || g)::uuid, (ARRAY['Europe/Berlin', 'America/New_York', NULL])[1 + g % 3], CASE WHEN g % 4 = 0 THEN NULL ELSE g % 2 = 0 END
FROM generate_series(1, 40 * ${scale}) g WHERE g % 3 <> 0;
INSERT INTO user_preferences
SELECT md5('user' || g)::uuid, (ARRAY['en', 'de', 'es'])[1 + g % 3], CASE WHEN g % 5 = 0 THEN NULL ELSE 'dark' END
FROM generate_series(1, 40 * ${scale}) g WHERE g % 2 = 0;
INSERT INTO cases
SELECT md5('case' || g)::uuid, md5('user' || (1 + g % (40 * ${scale})))::uuid, 'Case ' || g || ' — ünïcode',
       CASE WHEN g % 9 = 0 THEN NULL ELSE round((g * 13.37)::numeric % 10000, 2) END,
       date '2021-01-01' + g, timestamp '2024-01-01 00:00:00' + g * interval '3 hours 7 minutes',
       CASE WHEN g % 4 = 0 THEN NULL ELSE ARRAY['visa', 'tag' || (g % 5)] END,
       CASE WHEN g % 3 = 0 THEN NULL ELSE jsonb_build_array(jsonb_build_object('date', '2024-02-0' || (1 + g % 9), 'text', 'RFI ' || g)) END,
       CASE WHEN g % 6 = 0 THEN jsonb_build_array(jsonb_build_object('date', '2024-03-01', 'text', 'RFE ' || g)) ELSE NULL END
FROM generate_series(1, 150 * ${scale}) g;
INSERT INTO notifications (user_id, body) SELECT md5('user' || g)::uuid, 'not migrated' FROM generate_series(1, 10) g;
INSERT INTO conversations (user_id, transcript) SELECT md5('user' || g)::uuid, 'not migrated' FROM generate_series(1, 10) g;

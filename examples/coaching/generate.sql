-- Deterministic legacy data for S1. ${scale} is replaced by the demo's --scale (default 1).
-- setseed() makes random() repeatable, so every run of a given scale produces the same rows.
SELECT setseed(0.42);

INSERT INTO tls_image (data, mime, time_create)
SELECT decode(md5(g::text) || md5((g * 7)::text), 'hex'),
       (ARRAY['image/png', 'image/jpeg', 'image/webp'])[1 + g % 3],
       timestamptz '2021-01-01 00:00:00+00' + g * interval '37 minutes'
FROM generate_series(1, 80 * ${scale}) g;

INSERT INTO tls_coach (name, description, image_id, image30_id, image45_id, image60_id, sex, intro, prompt, time_create)
SELECT CASE WHEN g = 1 THEN 'Daniel' ELSE (ARRAY['Ana', 'Björn', 'Chloé', 'Dmitri', 'Eun-ji', 'Farah', 'Gustavo', 'Hiroshi'])[1 + g % 8] || ' ' || g END,
       CASE WHEN g % 10 = 0 THEN NULL
            WHEN g % 17 = 0 THEN repeat('Long biography with unicode ✓ — ', 3000)
            ELSE 'Coach number ' || g || E' helps with\ttabs, "quotes", back\\slashes and\nnew lines' END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE g END,
       CASE WHEN g % 4 = 0 THEN NULL ELSE 20 * ${scale} + g END,
       CASE WHEN g % 3 = 0 THEN NULL ELSE 40 * ${scale} + g END,
       CASE WHEN g % 2 = 0 THEN NULL ELSE 60 * ${scale} + g END,
       (ARRAY['M', 'F', 'male', 'nb', NULL, 'female', 'x'])[1 + g % 7],
       CASE WHEN g % 3 = 0 THEN 'I was born in ' || (1960 + g % 40) || ' and love running.'
            WHEN g % 3 = 1 THEN 'I am ' || (25 + g % 30) || ' years old.'
            ELSE 'Hello! Nice to meet you.' END,
       'You are coach ' || g || '.',
       timestamptz '2022-03-01 09:00:00+00' + g * interval '1 day 3 hours'
FROM generate_series(1, 20 * ${scale}) g;

-- A tree: 5 roots per scale unit, then children pointing at earlier rows (several levels deep).
INSERT INTO tls_category (parent_id, name, name_short, description, icon_id, icon_id_secondary, sort_order,
                          primary_color, secondary_color, show_checkin_history, checkin_enabled, followup_chat_enabled,
                          followup_timer, prompt_checkin, prompt_checkin_2, guidelines_file_text, max_questions, scope,
                          time_create)
SELECT CASE WHEN g <= 5 * ${scale} THEN NULL ELSE 1 + floor(random() * (g - 1))::int END,
       'Category ' || g, 'C' || g,
       CASE WHEN g % 6 = 0 THEN NULL ELSE 'About category ' || g || ' — émotions & ünïcode' END,
       1 + g % (80 * ${scale}), CASE WHEN g % 2 = 0 THEN NULL ELSE 1 + (g * 3) % (80 * ${scale}) END,
       g % 10,
       '#' || lpad(to_hex((g * 2654435761) % 16777216), 6, '0'), NULL,
       g % 2 = 0, g % 3 = 0, CASE WHEN g % 5 = 0 THEN NULL ELSE g % 5 = 1 END,
       CASE WHEN g % 4 = 0 THEN NULL ELSE 60 * (g % 24) END,
       'How are you today?', NULL, CASE WHEN g % 9 = 0 THEN repeat('guideline ', 500) ELSE NULL END,
       3 + g % 5, (ARRAY['personal', 'work', 'health'])[1 + g % 3],
       timestamp '2020-06-15 08:30:00' + g * interval '13 hours 7 minutes'
FROM generate_series(1, 50 * ${scale}) g;

-- Dirty rows on purpose: an orphan (its parent does not exist) and a two-node cycle. The spec parks them and,
-- after park-timeout, reports them in the DLQ instead of dropping them or breaking the target's foreign key.
INSERT INTO tls_category (id, parent_id, name, name_short, sort_order, time_create) VALUES
    (900001, 999999, 'Orphan category', 'ORPH', 1, timestamp '2021-01-01 00:00:00'),
    (900002, 900003, 'Cycle A', 'CYA', 2, timestamp '2021-01-01 00:00:00'),
    (900003, 900002, 'Cycle B', 'CYB', 3, timestamp '2021-01-01 00:00:00');

INSERT INTO tls_prompt (name, prompt, time_create)
SELECT 'prompt_' || g, 'Prompt text ' || g, timestamptz '2023-01-01 00:00:00+00' + g * interval '1 hour'
FROM generate_series(1, 10 * ${scale}) g;
INSERT INTO tls_variable (name, value, "user", time_create)
SELECT 'var_' || g, (g * 11)::text, g % 2 = 0, timestamptz '2023-01-01 00:00:00+00' + g * interval '1 hour'
FROM generate_series(1, 10 * ${scale}) g;
INSERT INTO tls_system (name, value, time_create)
SELECT 'setting_' || g, '{"enabled": ' || (g % 2 = 0) || '}', timestamptz '2023-01-01 00:00:00+00' + g * interval '1 hour'
FROM generate_series(1, 5 * ${scale}) g;

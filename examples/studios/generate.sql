-- Deterministic legacy rows for S2 (SQLite). ${scale} is replaced by the demo's --scale (default 1).
-- Dirty on purpose: one person in several user tables and twice in one, with emails in other case and with blanks;
-- users without email; NULLs everywhere; coordinates off the globe; profiles of no user; gallery images of profiles
-- that are no studio; messages from no one and with a send time that is no time; contacts with no such user.
INSERT INTO users (id, email, username, password_hash, role, created_at)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 200 * ${scale})
SELECT n,
       CASE WHEN n % 53 = 0 THEN NULL
            WHEN n % 17 = 0 THEN 'USER' || (n - 1) || '@EXAMPLE.COM'      -- a second account of user n-1
            WHEN n % 29 = 0 THEN '  user' || n || '@example.com '        -- blanks around it
            ELSE 'user' || n || '@example.com' END,
       CASE WHEN n % 13 = 0 THEN NULL ELSE 'user' || n END,
       CASE WHEN n % 31 = 0 THEN NULL ELSE '$2b$10$' || substr('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', n % 40 + 1, 12) || printf('%041d', n) END,
       CASE n % 10 WHEN 0 THEN 'admin' WHEN 1 THEN NULL ELSE 'user' END,
       strftime('%Y-%m-%d %H:%M:%S', 1577836800 + n * 3607, 'unixepoch')
FROM g;

INSERT INTO shows_users (id, email, display_name, password, created)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 120 * ${scale})
SELECT n,
       CASE WHEN n % 41 = 0 THEN NULL
            WHEN n <= 80 * ${scale} THEN 'User' || (n * 2) || '@Example.com'   -- the users with even ids
            ELSE 'shows' || n || '@example.com' END,
       CASE WHEN n % 9 = 0 THEN NULL ELSE 'Show Person ' || n END,
       CASE WHEN n % 7 = 0 THEN NULL ELSE 'pbkdf2$' || printf('%030d', n * 7) END,
       (1590000000 + n * 86400) * 1000 + n % 1000
FROM g;

INSERT INTO community_users (id, email, handle, pass_hash, is_moderator, joined_at)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 150 * ${scale})
SELECT n,
       CASE WHEN n % 47 = 0 THEN ''
            WHEN n <= 50 * ${scale} THEN 'user' || (n * 3) || '@EXAMPLE.com'     -- the users with ids divisible by 3
            WHEN n <= 70 * ${scale} THEN 'shows' || (n + 30 * ${scale}) || '@Example.COM'   -- shows-only people
            ELSE 'member' || n || '@example.com' END,
       'handle_' || n,
       CASE WHEN n % 5 = 0 THEN NULL ELSE 'argon2$' || printf('%020d', n * 11) END,
       CASE n % 8 WHEN 0 THEN 1 WHEN 1 THEN NULL ELSE 0 END,
       1600000000 + n * 7200
FROM g;

INSERT INTO profiles (id, user_id, display_name, about, latitude, longitude, location, website, instagram, is_studio,
                      studio_name, studio_address, services, contact_by_email)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 180 * ${scale})
SELECT n,
       CASE WHEN n % 43 = 0 THEN 90000 + n ELSE n END,                     -- a few profiles of no user
       CASE WHEN n % 11 = 0 THEN NULL ELSE 'Profile ' || n END,
       CASE n % 7 WHEN 0 THEN 'Experienced voice over artist, warm tone'
                  WHEN 1 THEN NULL
                  WHEN 2 THEN 'Podcast producer and editor'
                  ELSE 'Hello, I am number ' || n END,
       CASE WHEN n % 8 = 0 THEN 999.0 WHEN n % 19 = 0 THEN NULL ELSE 51.0 + (n % 100) / 100.0 END,
       CASE WHEN n % 8 = 0 THEN -999.0 WHEN n % 19 = 0 THEN NULL WHEN n % 23 = 0 THEN 181.5 ELSE -0.5 + (n % 50) / 100.0 END,
       CASE WHEN n % 4 = 0 THEN NULL ELSE 'London ' || (n % 30) END,
       CASE WHEN n % 3 = 0 THEN 'https://studio' || n || '.example.com' END,
       CASE WHEN n % 5 = 0 THEN '@profile' || n END,
       CASE WHEN n % 6 = 0 THEN 1 WHEN n % 6 = 1 THEN NULL ELSE 0 END,
       CASE WHEN n % 6 = 0 OR n % 25 = 0 THEN 'Studio ' || n WHEN n % 10 = 3 THEN '   ' END,  -- blank names are no name
       CASE WHEN n % 6 = 0 THEN n || ' High Street, London' END,
       CASE n % 9 WHEN 0 THEN 'Voice-Over, ADR' WHEN 4 THEN 'VO recording' WHEN 5 THEN 'mixing' END,
       CASE WHEN n % 2 = 0 THEN 1 WHEN n % 9 = 0 THEN NULL ELSE 0 END
FROM g;

INSERT INTO studio_gallery (id, profile_id, url, caption, sort)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 180 * ${scale} * 3)
SELECT n, (n + 2) / 3,
       'http://res.cloudinary.com/studios/image/upload/v1/p' || ((n + 2) / 3) || '_' || (n % 3) || '.jpg',
       CASE WHEN n % 4 = 0 THEN NULL ELSE 'Room ' || (n % 3 + 1) END,
       CASE WHEN n % 5 = 0 THEN NULL ELSE n % 3 END
FROM g
WHERE ((n + 2) / 3) % 6 = 0 OR ((n + 2) / 3) % 35 = 1;                    -- studios; and a few of no studio

INSERT INTO messages (id, from_id, to_id, subject, body, read, sent_at)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 600 * ${scale})
SELECT n,
       CASE WHEN n % 37 = 0 THEN 99000 + n ELSE n % (150 * ${scale}) + 1 END,   -- a few from no one
       (n * 7) % (150 * ${scale}) + 1,
       CASE WHEN n % 6 = 0 THEN NULL ELSE 'Booking ' || n END,
       'Hi, about the session ' || n,
       CASE n % 3 WHEN 0 THEN 1 WHEN 1 THEN 0 END,
       CASE WHEN n % 97 = 0 THEN 'last tuesday' ELSE strftime('%Y-%m-%d %H:%M:%S', 1650000000 + n * 600, 'unixepoch') END
FROM g;

INSERT INTO shows_contacts (id, user_id, contact_id, accepted)
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 300 * ${scale})
SELECT n, n % (120 * ${scale}) + 1,
       CASE WHEN n % 23 = 0 THEN 5000 + n ELSE (n * 5 + 3) % (120 * ${scale}) + 1 END,   -- a few of no such user
       CASE n % 4 WHEN 0 THEN NULL WHEN 1 THEN 0 ELSE 1 END
FROM g;

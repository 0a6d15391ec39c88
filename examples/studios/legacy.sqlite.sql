-- S2 studios: the legacy app's SQLite (Turso/libSQL) database. Integer ids, no change log, loose typing:
-- booleans as 0/1, times as text, epoch milliseconds (Prisma on SQLite) and epoch seconds.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT,
  username TEXT,
  password_hash TEXT,
  role TEXT,                 -- 'admin', 'user' or NULL
  created_at TEXT            -- 'YYYY-MM-DD HH:MM:SS'
);
CREATE TABLE shows_users (
  id INTEGER PRIMARY KEY,
  email TEXT,
  display_name TEXT,
  password TEXT,
  created INTEGER            -- epoch milliseconds
);
CREATE TABLE community_users (
  id INTEGER PRIMARY KEY,
  email TEXT,
  handle TEXT,
  pass_hash TEXT,
  is_moderator INTEGER,      -- 0/1/NULL
  joined_at INTEGER          -- epoch seconds
);
CREATE TABLE profiles (
  id INTEGER PRIMARY KEY,
  user_id INTEGER,           -- users.id
  display_name TEXT,
  about TEXT,
  latitude REAL,
  longitude REAL,
  location TEXT,
  website TEXT,
  instagram TEXT,
  is_studio INTEGER,         -- 0/1/NULL
  studio_name TEXT,
  studio_address TEXT,
  services TEXT,
  contact_by_email INTEGER   -- 0/1/NULL
);
CREATE TABLE studio_gallery (
  id INTEGER PRIMARY KEY,
  profile_id INTEGER,        -- profiles.id
  url TEXT NOT NULL,         -- Cloudinary
  caption TEXT,
  sort INTEGER
);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  from_id INTEGER,           -- community_users.id
  to_id INTEGER,             -- community_users.id
  subject TEXT,
  body TEXT,
  read INTEGER,              -- 0/1/NULL
  sent_at TEXT
);
CREATE TABLE shows_contacts (
  id INTEGER PRIMARY KEY,
  user_id INTEGER,           -- shows_users.id
  contact_id INTEGER,        -- shows_users.id
  accepted INTEGER           -- 0/1/NULL
);

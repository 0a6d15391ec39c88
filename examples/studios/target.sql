-- S2 studios: the new Prisma-managed PostgreSQL schema (camelCase columns, cuid text ids, legacyId kept).
CREATE TABLE "User" (
  id text PRIMARY KEY,
  email text NOT NULL UNIQUE,        -- the match value: trimmed, lower case; one User per email
  "legacyId" text,                   -- users:<id>, else shows_users:<id>, else community_users:<id>
  username text,
  "displayName" text,
  "passwordHash" text,
  role text,
  "createdAt" timestamp(3)
);
CREATE TABLE "UserProfile" (
  id text PRIMARY KEY,
  "legacyId" integer NOT NULL UNIQUE,
  "userId" text NOT NULL REFERENCES "User" (id),
  category text NOT NULL CHECK (category IN ('STUDIO', 'VOICEOVER', 'OTHER')),
  "displayName" text,
  about text,
  latitude double precision,
  longitude double precision,
  location text,
  website text,
  instagram text,
  "contactByEmail" boolean NOT NULL
);
CREATE INDEX ON "UserProfile" ("userId");
CREATE TABLE "Studio" (
  id text PRIMARY KEY,
  "legacyId" integer NOT NULL UNIQUE,
  "ownerId" text NOT NULL REFERENCES "User" (id),
  name text NOT NULL,
  address text,
  latitude double precision,
  longitude double precision
);
CREATE INDEX ON "Studio" ("ownerId");
CREATE TABLE "StudioImage" (
  id text PRIMARY KEY,
  "legacyId" integer NOT NULL UNIQUE,
  "studioId" text NOT NULL REFERENCES "Studio" (id),
  url text NOT NULL,
  caption text,
  "sortOrder" integer NOT NULL
);
CREATE INDEX ON "StudioImage" ("studioId");
CREATE TABLE "Message" (
  id text PRIMARY KEY,
  "legacyId" integer NOT NULL UNIQUE,
  "senderId" text REFERENCES "User" (id),
  "recipientId" text REFERENCES "User" (id),
  subject text,
  body text,
  "isRead" boolean NOT NULL,
  "sentAt" timestamp(3)
);
CREATE INDEX ON "Message" ("senderId");
CREATE INDEX ON "Message" ("recipientId");
CREATE TABLE "UserConnection" (
  id text PRIMARY KEY,
  "legacyId" integer NOT NULL UNIQUE,
  "userId" text NOT NULL REFERENCES "User" (id),
  "connectedUserId" text NOT NULL REFERENCES "User" (id),
  accepted boolean NOT NULL
);
CREATE INDEX ON "UserConnection" ("userId");
CREATE INDEX ON "UserConnection" ("connectedUserId");

-- What an earlier, hand-written import left behind: rows to replace (backup first, then reset-target, then the load).
INSERT INTO "User" (id, email, "legacyId", username, "passwordHash", role, "createdAt") VALUES
  ('ckold0000000000000000001', 'User2@Example.com', NULL, 'user2', NULL, 'USER', now()),
  ('ckold0000000000000000002', 'test@test', NULL, 'test', 'plaintext!', 'ADMIN', now()),
  ('ckold0000000000000000003', 'shows81@example.com ', 'shows:81', NULL, NULL, NULL, NULL);
INSERT INTO "UserProfile" (id, "legacyId", "userId", category, "displayName", latitude, longitude, "contactByEmail") VALUES
  ('ckoldprofile000000000001', 2, 'ckold0000000000000000001', 'OTHER', 'Profile 2', 999, -999, false);
INSERT INTO "Studio" (id, "legacyId", "ownerId", name) VALUES
  ('ckoldstudio0000000000001', 2, 'ckold0000000000000000001', '');

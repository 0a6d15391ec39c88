-- S4 case tracker: what the other store's JSON Lines import expects, as PostgreSQL tables for now: camelCase
-- fields, Unix milliseconds, integer cents, YYYY-MM-DD dates, legacy ids kept, no NULL arrays.
-- userProfiles consolidates users + user_settings + user_preferences; their rows arrive in any order, so only the
-- key columns are NOT NULL.
CREATE TABLE "userProfiles" (
    id                     uuid PRIMARY KEY,
    "legacyId"             text NOT NULL UNIQUE,
    email                  text,
    "fullName"             text,
    "createdAt"            bigint,
    timezone               text,
    "notificationsEnabled" boolean,
    language               text,
    theme                  text
);
CREATE TABLE cases (
    id             uuid PRIMARY KEY,
    "legacyId"     uuid NOT NULL UNIQUE,
    "legacyUserId" uuid,
    title          text,
    "amountCents"  bigint,
    "filedOn"      text,
    "updatedAt"    bigint,
    tags           jsonb NOT NULL,
    rfis           jsonb NOT NULL,
    rfes           jsonb NOT NULL
);

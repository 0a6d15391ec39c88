-- S1 coaching: the new (Supabase-style) schema the spec fills.
CREATE TYPE coach_sex AS ENUM ('male', 'female', 'non_binary', 'other');
CREATE TABLE coaches (
    id             uuid PRIMARY KEY,
    legacy_id      int NOT NULL UNIQUE,
    name           text NOT NULL,
    bio            text,
    photo_url      text,
    photo_url_30   text,
    photo_url_45   text,
    photo_url_60   text,
    sex            coach_sex,
    year_of_birth  int,
    voice_settings jsonb NOT NULL DEFAULT '{}',
    is_active      boolean NOT NULL DEFAULT true,
    created_at     timestamptz
);
CREATE TABLE categories (
    id               uuid PRIMARY KEY,
    legacy_id        int NOT NULL UNIQUE,
    legacy_parent_id int,
    parent_id        uuid REFERENCES categories (id),
    name             text,
    short_name       text,
    description      text,
    sort_order       int,
    primary_color    text,
    checkin_enabled  boolean,
    followup_timer   int,
    max_questions    int,
    scope            text,
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamp
);
CREATE TABLE app_config (
    id          uuid PRIMARY KEY,
    legacy_id   text NOT NULL UNIQUE,
    key         text NOT NULL UNIQUE,
    value       jsonb NOT NULL,
    is_public   boolean NOT NULL DEFAULT false,
    description text
);

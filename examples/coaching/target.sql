-- S1 coaching: the new (Supabase-style) schema the spec fills.
CREATE TYPE coach_sex AS ENUM ('male', 'female', 'non_binary', 'other');
CREATE TABLE images (
    id         uuid PRIMARY KEY,
    legacy_id  int NOT NULL UNIQUE,
    mime       text,
    url        text,
    created_at timestamptz
);
CREATE TABLE coaches (
    id             uuid PRIMARY KEY,
    legacy_id      int NOT NULL UNIQUE,
    name           text NOT NULL,
    bio            text,
    image_id       uuid REFERENCES images (id),
    image_30_id    uuid REFERENCES images (id),
    image_45_id    uuid REFERENCES images (id),
    image_60_id    uuid REFERENCES images (id),
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
    icon_url         text,
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
-- PostgreSQL indexes no foreign key by itself; without these every delete of a parent scans its children (plan warns)
CREATE INDEX ON coaches (image_id);
CREATE INDEX ON coaches (image_30_id);
CREATE INDEX ON coaches (image_45_id);
CREATE INDEX ON coaches (image_60_id);
CREATE INDEX ON categories (parent_id);

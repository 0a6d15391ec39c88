-- S4 case tracker: the Supabase (PostgreSQL) schema being left. notifications and conversations are deliberately
-- NOT migrated: the spec simply does not map them.
CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE auth.users (id uuid PRIMARY KEY, email text NOT NULL);
CREATE TABLE users (id uuid PRIMARY KEY, email text NOT NULL, full_name text, created_at timestamp);
CREATE TABLE user_settings (user_id uuid PRIMARY KEY, timezone text, notifications_enabled boolean);
CREATE TABLE user_preferences (user_id uuid PRIMARY KEY, language text, theme text);
CREATE TABLE cases (id uuid PRIMARY KEY, user_id uuid, title text, amount numeric(10, 2), filed_on date, updated_at timestamp,
                    tags text[], rfis jsonb, rfes jsonb);
CREATE TABLE notifications (id serial PRIMARY KEY, user_id uuid, body text);
CREATE TABLE conversations (id serial PRIMARY KEY, user_id uuid, transcript text);

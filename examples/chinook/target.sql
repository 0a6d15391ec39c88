-- Chinook v2: uuid ids, legacy ids kept, every foreign key enforced on the new ids, names looked up, money in cents.
CREATE TABLE albums (id uuid PRIMARY KEY, legacy_id integer NOT NULL UNIQUE, title text NOT NULL, artist jsonb NOT NULL);
CREATE TABLE tracks (id uuid PRIMARY KEY, legacy_id integer NOT NULL UNIQUE, name text NOT NULL,
  album_id uuid REFERENCES albums(id), genre text, media_type text NOT NULL,
  composer text, duration_ms integer NOT NULL, size_bytes integer, price_cents bigint NOT NULL);
CREATE TABLE employees (id uuid PRIMARY KEY, legacy_id integer NOT NULL UNIQUE, full_name text NOT NULL, title text,
  manager_id uuid REFERENCES employees(id), hired_at timestamp, email text);
CREATE TABLE customers (id uuid PRIMARY KEY, legacy_id integer NOT NULL UNIQUE, full_name text NOT NULL, company text,
  email text NOT NULL, country text, support_rep_id uuid REFERENCES employees(id));
CREATE TABLE invoices (id uuid PRIMARY KEY, legacy_id integer NOT NULL UNIQUE, customer_id uuid NOT NULL REFERENCES customers(id),
  invoiced_at timestamp NOT NULL, billing_country text, total_cents bigint NOT NULL);
CREATE TABLE invoice_lines (id uuid PRIMARY KEY, legacy_id integer NOT NULL UNIQUE,
  invoice_id uuid NOT NULL REFERENCES invoices(id), customer_id uuid REFERENCES customers(id), track_id uuid NOT NULL REFERENCES tracks(id),
  price_cents bigint NOT NULL, quantity integer NOT NULL);
CREATE TABLE playlists (id uuid PRIMARY KEY, legacy_id integer NOT NULL UNIQUE, name text, track_count integer NOT NULL,
  track_legacy_ids integer[] NOT NULL);
CREATE TABLE playlist_tracks (playlist_id uuid NOT NULL REFERENCES playlists(id), track_id uuid NOT NULL REFERENCES tracks(id),
  PRIMARY KEY (playlist_id, track_id));
-- PostgreSQL indexes no foreign key by itself; without these every delete of a parent scans its children (plan warns)
CREATE INDEX ON tracks (album_id);
CREATE INDEX ON employees (manager_id);
CREATE INDEX ON customers (support_rep_id);
CREATE INDEX ON invoices (customer_id);
CREATE INDEX ON invoice_lines (invoice_id);
CREATE INDEX ON invoice_lines (customer_id);
CREATE INDEX ON invoice_lines (track_id);
CREATE INDEX ON playlist_tracks (track_id);

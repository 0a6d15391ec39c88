-- S3 dispatch: the Supabase schema. Every row gets a uuid and keeps its legacy id.
CREATE TYPE order_status AS ENUM ('new', 'dispatched', 'delivered', 'cancelled', 'unknown');
CREATE TABLE offices (id uuid PRIMARY KEY, legacy_id int NOT NULL UNIQUE, name text NOT NULL, address text, phone text,
                      created_at timestamptz);
CREATE TABLE profiles (id uuid PRIMARY KEY, legacy_id int NOT NULL UNIQUE, office_id uuid REFERENCES offices (id),
                       legacy_user_id int, role text NOT NULL, phone text);
CREATE TABLE doctors (id uuid PRIMARY KEY, legacy_id int NOT NULL UNIQUE, profile_id uuid REFERENCES profiles (id),
                      specialty text, license_no text);
CREATE TABLE patients (id uuid PRIMARY KEY, legacy_patient_id int NOT NULL UNIQUE, doctor_id uuid REFERENCES doctors (id),
                       first_name text, last_name text, date_of_birth date, email text, insurance_no text);
CREATE TABLE orders (id uuid PRIMARY KEY, legacy_id int NOT NULL UNIQUE, patient_id uuid REFERENCES patients (id),
                     status order_status NOT NULL, total_cents bigint, created_at timestamptz, notes text);
CREATE TABLE comments (id uuid PRIMARY KEY, legacy_id int NOT NULL UNIQUE, parent_id uuid REFERENCES comments (id),
                       order_id uuid REFERENCES orders (id), legacy_order_id int, author_id uuid REFERENCES profiles (id), legacy_author_id int, body text, created_at timestamptz);
-- PostgreSQL indexes no foreign key by itself; without these every delete of a parent scans its children (plan warns)
CREATE INDEX ON profiles (office_id);
CREATE INDEX ON doctors (profile_id);
CREATE INDEX ON patients (doctor_id);
CREATE INDEX ON orders (patient_id);
CREATE INDEX ON comments (parent_id);
CREATE INDEX ON comments (order_id);
CREATE INDEX ON comments (author_id);

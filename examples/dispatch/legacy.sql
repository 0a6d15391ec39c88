-- S3 dispatch: a slice of the 50+ legacy dispatch_* tables (PostgreSQL, integer ids), in entity order.
CREATE TABLE auth_user (id serial PRIMARY KEY, username text NOT NULL, email text, date_joined timestamptz);
CREATE TABLE dispatch_office (id serial PRIMARY KEY, name text NOT NULL, address text, phone text, created timestamptz);
CREATE TABLE dispatch_profile (id serial PRIMARY KEY, user_id int, office_id int, role text, phone text);
CREATE TABLE dispatch_doctor (id serial PRIMARY KEY, profile_id int, specialty text, license_no text);
CREATE TABLE dispatch_patient (id serial PRIMARY KEY, doctor_id int, first_name text, last_name text, dob date, email text,
                               insurance_no text);
CREATE TABLE dispatch_order (id serial PRIMARY KEY, patient_id int, status text, total numeric(10, 2),
                             created_at timestamptz, notes text);
CREATE TABLE dispatch_comment (id serial PRIMARY KEY, order_id int, parent_id int, author_id int, body text,
                               created_at timestamptz);

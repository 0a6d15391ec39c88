-- S5 cutover: the v1 tables of the production database (source and target are this same database).
CREATE TABLE v1_customers (
    id       serial PRIMARY KEY,
    name     text NOT NULL,
    email    text,
    created  timestamptz DEFAULT now()
);
CREATE TABLE v1_orders (
    id          serial PRIMARY KEY,
    customer_id int NOT NULL REFERENCES v1_customers (id),
    amount      numeric(10, 2),
    status      text,
    placed_at   timestamptz
);

-- S1 coaching: the legacy application's schema (PostgreSQL), as the users described it.
CREATE TABLE tls_image (
    id          serial PRIMARY KEY,
    data        bytea,
    mime        text,
    time_create timestamptz DEFAULT now()
);
CREATE TABLE tls_coach (
    id          serial PRIMARY KEY,
    name        text NOT NULL,
    description text,
    image_id    int REFERENCES tls_image (id),
    image30_id  int REFERENCES tls_image (id),
    image45_id  int REFERENCES tls_image (id),
    image60_id  int REFERENCES tls_image (id),
    sex         text,
    intro       text,
    prompt      text,
    time_create timestamptz DEFAULT now()
);
CREATE TABLE tls_category (
    id                    serial PRIMARY KEY,
    parent_id             int,
    name                  text,
    name_short            text,
    description           text,
    icon_id               int,
    icon_id_secondary     int,
    sort_order            int,
    primary_color         text,
    secondary_color       text,
    show_checkin_history  boolean,
    checkin_enabled       boolean,
    followup_chat_enabled boolean,
    followup_timer        int,
    prompt_checkin        text,
    prompt_checkin_2      text,
    guidelines_file_text  text,
    max_questions         int,
    scope                 text,
    time_create           timestamp
);
CREATE TABLE tls_prompt   (id serial PRIMARY KEY, name text, prompt text, time_create timestamptz DEFAULT now());
CREATE TABLE tls_variable (id serial PRIMARY KEY, name text, value text, "user" boolean, time_create timestamptz DEFAULT now());
CREATE TABLE tls_system   (id serial PRIMARY KEY, name text, value text, time_create timestamptz DEFAULT now());

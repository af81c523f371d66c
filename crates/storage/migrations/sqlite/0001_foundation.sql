-- Foundation: organisation, staff, sessions, API tokens, audit trail, calendar.
-- Lockstep with ../postgres/0001_foundation.sql: same tables, columns and meaning.

create table regions (
    code        text primary key,          -- GB/T 2260 (6) or statistical township (9) / village (12) code
    name        text not null,
    level       text not null,             -- province | city | county | township | village
    parent_code text references regions(code),
    version     integer not null default 1,
    created_at  text not null,
    updated_at  text not null
);
create index regions_parent on regions(parent_code);

create table departments (
    id           integer primary key,
    name         text not null,
    short_name   text not null,
    credit_code  text unique,              -- 统一社会信用代码 of the body (GB 32100)
    region_code  text not null references regions(code),
    active       boolean not null default true,
    version      integer not null default 1,
    created_at   text not null,
    updated_at   text not null,
    unique (region_code, name)
);

create table windows (
    id            integer primary key,
    number        text not null,           -- e.g. A01
    name          text not null,
    hall          text not null,           -- themed hall (市场准入, 投资建设 …)
    region_code   text not null references regions(code),
    department_id integer references departments(id), -- null: comprehensive window (综合窗口)
    active        boolean not null default true,
    version       integer not null default 1,
    created_at    text not null,
    updated_at    text not null,
    unique (region_code, number)
);

create table users (
    id             integer primary key,
    username       text not null unique,
    display_name   text not null,
    password_hash  text not null,
    department_id  integer references departments(id),
    active         boolean not null default true,
    failed_logins  integer not null default 0,
    locked_until   text,
    version        integer not null default 1,
    created_at     text not null,
    updated_at     text not null
);

create table user_grants (
    id            integer primary key,
    user_id       integer not null references users(id) on delete cascade,
    role          text not null,
    scope_kind    text not null,           -- global | region | department
    region_code   text references regions(code),
    department_id integer references departments(id),
    created_at    text not null
);
create index user_grants_user on user_grants(user_id);

create table sessions (
    id           text primary key,         -- SHA-256 (hex) of the cookie token; the token is never stored
    user_id      integer not null references users(id) on delete cascade,
    csrf_token   text not null,
    created_at   text not null,
    expires_at   text not null,
    last_seen_at text not null,
    source       text,
    user_agent   text
);
create index sessions_user on sessions(user_id);

create table api_tokens (
    id           integer primary key,
    user_id      integer not null references users(id) on delete cascade,
    name         text not null,
    token_hash   text not null unique,     -- SHA-256 (hex) of the token
    created_at   text not null,
    expires_at   text,
    last_used_at text,
    revoked_at   text
);

create table audit_events (
    seq           integer primary key,     -- position in the hash chain, 1.., no gaps
    at            text not null,
    actor_id      integer,
    actor         text not null,
    action        text not null,
    object_type   text not null,
    object_id     text not null,
    department_id integer,
    request_id    text,
    source        text,
    summary       text not null,           -- JSON text, hashed as stored
    prev_hash     text not null,
    hash          text not null
);
create index audit_events_action on audit_events(action, seq);
create index audit_events_dept on audit_events(department_id, seq);
create index audit_events_object on audit_events(object_type, object_id);

-- The chain head: last seq and hash. Every append updates it first, which serialises appends
-- and lets `audit verify` detect deletion of the newest events.
create table audit_head (
    id   integer primary key check (id = 1),
    seq  integer not null,
    hash text not null
);
insert into audit_head (id, seq, hash)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

create table calendar_years (
    year       integer primary key,
    data       text not null,              -- holiday-cn style JSON of one year
    version    integer not null default 1,
    updated_at text not null
);

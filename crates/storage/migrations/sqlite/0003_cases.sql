-- Cases (办件): applicants, plan definitions, cases, department tasks, process log, notices,
-- uploaded materials, and numbering counters. Lockstep with ../postgres/0003_cases.sql.

-- 领导授权: the highest level at which a staff user may sign decisions (null: none).
alter table users add column sign_authority text;

-- Gap-free numbering (case numbers per day, notice numbers per kind and year).
create table counters (
    name  text primary key,
    value integer not null
);

-- Applicants, keyed by their 一号 (resident ID or unified social credit code, normalised).
create table applicants (
    id            integer primary key,
    id_number     text not null unique,
    id_kind       text not null,            -- resident-id | credit-code
    name          text not null,
    phone         text,
    email         text,
    password_hash text,                     -- online account; null = none
    failed_logins integer not null default 0,
    created_at    text not null,
    updated_at    text not null
);

create table applicant_sessions (
    token_hash   text primary key,
    applicant_id integer not null references applicants(id),
    csrf         text not null,
    created_at   text not null,
    expires_at   text not null
);

-- Versioned plan definitions ("一件事" bundles and the single-item plans derived from guides).
create table case_plans (
    id         integer primary key,
    code       text not null,
    version    integer not null,
    name       text not null,
    bundle     integer not null,
    active     integer not null,
    def        text not null,               -- PlanDef as JSON
    created_at text not null,
    unique (code, version)
);

create table cases (
    id               integer primary key,
    case_no          text not null unique,
    plan_id          integer not null references case_plans(id),
    name             text not null,
    applicant_id     integer not null references applicants(id),
    applicant_name   text not null,
    applicant_kind   text not null,
    id_number        text not null,         -- the 一号, normalised (tracking needs it)
    contact_name     text,
    contact_phone    text,
    agent_name       text,
    agent_id_number  text,
    legal_rep        text,
    address          text,
    channel          text not null,         -- window | online
    window_id        integer,
    status           text not null,
    outcome          text,                  -- approve | deny (when completed)
    delivery         text not null,         -- window | courier | electronic
    delivery_address text,
    region_code      text not null,
    lead_department_id integer,
    received_at      text not null,
    accepted_on      text,
    promised_days    integer not null,
    statutory_days   integer not null,
    clock_events     text not null,         -- ClockEvent list as JSON
    promised_due     text,
    statutory_due    text,
    current_stage    integer not null default 0,
    stage_count      integer not null,
    tolerated_due    text,                -- 容缺: date promised for the owed materials
    tolerated_open   integer not null,
    materials        text not null,         -- checklist as JSON
    summary          text not null default '',
    close_reason     text,
    completed_at     text,
    intake_by        integer,
    version          integer not null default 1,
    created_at       text not null,
    updated_at       text not null
);
create index cases_applicant on cases(applicant_id, id);
create index cases_status_due on cases(status, promised_due);
create index cases_tolerated on cases(tolerated_open, tolerated_due);
create index cases_created on cases(created_at);

create table case_tasks (
    id                 integer primary key,
    case_id            integer not null references cases(id),
    stage              integer not null,
    stage_name         text not null,
    department_id      integer not null references departments(id),
    role               text not null,        -- lead | co
    name               text not null,
    task_code          text,
    days               integer not null,
    authority_required text not null,
    status             text not null,        -- waiting | open | approved | denied | cancelled
    opened_on          text,
    due_date           text,               -- null while waiting or while the case is paused
    opinion            text,
    checklist          text,                 -- review standards ticked, JSON
    decided_by         integer,
    decided_by_name    text,
    decided_at         text,
    version            integer not null default 1
);
create index case_tasks_queue on case_tasks(department_id, status, due_date, id);
create index case_tasks_case on case_tasks(case_id, stage);

-- Process log (national exchange 办件过程 / 特别程序): shown on the case page.
create table case_events (
    id        integer primary key,
    case_id   integer not null references cases(id),
    at        text not null,
    actor     text not null,
    action    text not null,
    detail    text not null                  -- JSON
);
create index case_events_case on case_events(case_id, id);

create table case_notices (
    id         integer primary key,
    case_id    integer not null references cases(id),
    kind       text not null,
    number     text not null unique,
    issued_at  text not null,
    body       text not null                 -- the notice's content as JSON
);
create index case_notices_case on case_notices(case_id, id);

-- Files uploaded with online applications (content addressed in the data directory).
create table case_files (
    id          integer primary key,
    case_id     integer not null references cases(id),
    material    text not null,
    filename    text not null,
    media_type  text not null,
    size        integer not null,
    sha256      text not null,
    uploaded_at text not null
);
create index case_files_case on case_files(case_id, id);

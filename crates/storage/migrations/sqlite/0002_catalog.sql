-- Service catalog (事项库): items, their versions (one guide document each), life events,
-- and the change feed that channels sync from. Lockstep with ../postgres/0002_catalog.sql.

create table catalog_items (
    id              integer primary key,
    task_code       text not null unique,   -- 实施编码 (stable identity of the implementation)
    current_version integer,                -- version number in force (published), null if none
    latest_version  integer not null default 0,
    created_at      text not null
);

create table catalog_versions (
    id               integer primary key,
    item_id          integer not null references catalog_items(id),
    version          integer not null,
    status           text not null,         -- draft | submitted | reviewed | published | superseded | withdrawn
    etag             text not null,         -- SHA-256 of doc
    name             text not null,
    catalog_code     text not null,
    hall             text not null,
    level            text not null,
    region_code      text not null,
    department       text not null,
    department_id    integer references departments(id),
    item_type        text not null,
    discretion       text not null,
    case_kind        text not null,
    promised_days    integer not null,
    technical_count  integer not null,
    expert_count     integer not null,
    inspection_count integer not null,
    edit_version     integer not null default 1,
    created_by       integer,
    created_at       text not null,
    updated_at       text not null,
    submitted_by     integer,
    submitted_at     text,
    reviewed_by      integer,
    reviewed_at      text,
    review_comment   text,
    published_by     integer,
    published_at     text,
    withdrawn_by     integer,
    withdrawn_at     text,
    withdraw_reason  text,
    -- Last on purpose: SQLite stores columns in order, so filter columns after a large document
    -- would cost a walk through its overflow pages on every list query.
    doc              text not null,         -- the ServiceGuide as JSON
    unique (item_id, version)
);
create index catalog_versions_status_hall on catalog_versions(status, hall, name);
create index catalog_versions_status_dept on catalog_versions(status, department_id);
create index catalog_versions_status_level on catalog_versions(status, level);
create index catalog_versions_item on catalog_versions(item_id, version);

create table catalog_version_events (
    version_id integer not null references catalog_versions(id),
    event      text not null,
    primary key (version_id, event)
);
create index catalog_version_events_event on catalog_version_events(event);

-- Change feed: one row per publication or withdrawal, in commit order (appends happen after the
-- audit append of the same transaction, which serialises them).
create table catalog_changes (
    seq     integer primary key autoincrement,
    item_id integer not null references catalog_items(id),
    version integer not null,
    kind    text not null,                  -- published | withdrawn
    at      text not null
);

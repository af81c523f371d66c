-- Proactive disclosure (主动公开): information items, their versions with the review record,
-- attachments, index-number serials and the change feed that keeps search indexes and page
-- caches of every node in step. Lockstep with ../postgres/0005_disclosure_items.sql.

create table info_items (
    id             integer primary key,
    department_id  integer references departments(id),   -- publishing body; null = the centre
    index_no       text unique,                 -- 索引号, assigned at first publication
    author_id      integer references users(id),      -- null: migrated from an old site
    live_version   integer,                     -- version_no the public sees (null: none)
    withdrawn_at   text,
    withdrawn_by   integer references users(id),
    withdraw_reason text,
    version        integer not null,            -- optimistic concurrency
    created_at     text not null,
    updated_at     text not null
);

create table info_versions (
    id               integer primary key,
    item_id          integer not null references info_items(id),
    version_no       integer not null,
    state            text not null,
    department_id    integer references departments(id),
    change_size      text,                      -- null for the first version
    change_note      text,
    title            text not null,
    doc_number       text not null,
    issuing_body     text not null,
    written_on       text,
    formed_on        text not null,             -- 条例 art. 26 clock start
    column_key       text not null,
    topic            text not null,
    genre            text not null,
    keywords         text not null,             -- JSON array
    validity         text not null,
    attribute        text not null,
    attribute_reason text not null,
    summary          text not null,
    body_src         text not null,
    body_html        text not null,
    body_text        text not null,
    author_id        integer references users(id),
    migrated_by      text,                      -- operator who migrated it from an old site
    submitted_at     text,
    secrecy_by       integer references users(id),
    secrecy_at       text,
    secrecy_note     text,
    content_by       integer references users(id),
    content_at       text,
    content_note     text,
    returned_note    text,
    publish_at       text,                      -- scheduled time (or the time it went live)
    published_at     text,
    emergency_by     integer references users(id),
    emergency_reason text,
    retro_by         integer references users(id),
    retro_at         text,
    created_at       text not null,
    updated_at       text not null,
    unique (item_id, version_no),
    -- 未经审核的信息不得上网公布: nothing is scheduled, live or ever was live without both
    -- reviews by someone other than the author, except a logged emergency publication.
    check (state not in ('scheduled', 'published', 'superseded', 'withdrawn')
           or emergency_by is not null or migrated_by is not null
           or (secrecy_by is not null and content_by is not null and author_id is not null
               and secrecy_by <> author_id and content_by <> author_id)),
    check (emergency_by is null or (emergency_reason is not null and emergency_reason <> '')),
    check (retro_by is null or retro_by <> emergency_by)
);
create index info_versions_public on info_versions(state, published_at, id);
create index info_versions_column on info_versions(state, column_key, published_at, id);
create index info_versions_item on info_versions(item_id, version_no);
create index info_versions_author on info_versions(author_id, state);

create table info_attachments (
    id           integer primary key,
    version_id   integer not null references info_versions(id),
    name         text not null,
    content_type text not null,
    sha256       text not null,
    size         integer not null,
    text         text not null,                 -- extracted text (search)
    created_at   text not null
);
create index info_attachments_version on info_attachments(version_id, id);

create table info_index_serials (
    body_code text not null,
    year      integer not null,
    last      integer not null,
    primary key (body_code, year)
);

create table info_changes (
    seq     integer primary key,
    item_id integer not null,
    at      text not null
);

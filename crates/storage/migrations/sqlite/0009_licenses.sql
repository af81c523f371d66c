-- The e-licence library (电子证照库): licence types (证照目录), signing keys (public halves
-- only: private keys stay in the key store), licences with their signed data, status history,
-- uses (用证记录), and the outbox/inbox that share licences upward exactly once.
-- Lockstep with ../postgres/0009_licenses.sql.

create table license_types (
    code          text primary key,          -- 证照类型代码 (21)
    name          text not null,
    definer_name  text not null,
    holder_kind   text not null,             -- person | organisation | any
    spec          text not null,             -- JSON: face fields, validity
    created_at    text not null,
    updated_at    text not null
);

create table signing_keys (
    kid         text primary key,
    alg         text not null,               -- SM2-SM3 | Ed25519
    public_jwk  text not null,
    origin      text not null,               -- 'local' or the downstream library it came from
    status      text not null,               -- active | retired
    created_at  text not null,
    retired_at  text
);

create table licenses (
    id            integer primary key,
    identifier    text not null unique,      -- 证照标识 (GB/T 36904)
    type_code     text not null,
    name          text not null,
    number        text not null,             -- 证照编号
    holder_code   text not null,
    holder_name   text not null,
    issuer_code   text not null,
    issuer_name   text not null,
    issued_on     text not null,
    valid_to      text,                      -- null = 长期
    status        text not null,             -- valid | suspended | revoked | cancelled | expired
    status_reason text,
    status_at     text not null,
    data          text not null,             -- the signed JSON (canonical bytes)
    alg           text not null,
    kid           text not null,
    signature     text not null,             -- base64
    signed_at     text not null,
    case_id       integer references cases(id),
    origin        text not null,             -- 'local' or the downstream library it came from
    supersedes    text,                      -- identifier of the version it replaces
    version       integer not null,
    created_at    text not null,
    updated_at    text not null,
    check (status in ('valid', 'suspended', 'revoked', 'cancelled', 'expired'))
);
create index licenses_holder on licenses(holder_code, type_code, status);
create index licenses_case on licenses(case_id);
create index licenses_expiry on licenses(status, valid_to);

create table license_events (
    id          integer primary key,
    license_id  integer not null references licenses(id),
    action      text not null,               -- issue | suspend | reinstate | revoke | cancel | expire | received
    reason      text,
    actor       text not null,
    at          text not null
);
create index license_events_license on license_events(license_id, id);

-- 用证记录: who used a licence, for which case, when.
create table license_uses (
    id          integer primary key,
    license_id  integer not null references licenses(id),
    case_id     integer references cases(id),
    used_by     text not null,
    department  text,
    purpose     text not null,
    at          text not null
);
create index license_uses_license on license_uses(license_id, id);

-- Events to push to the upstream library, written in the transaction that changed the licence.
create table license_outbox (
    id              integer primary key,
    event_id        text not null unique,    -- idempotency key, stable across retries
    license_id      integer not null references licenses(id),
    body            text not null,           -- JSON sent upstream
    attempts        integer not null default 0,
    next_attempt_at text not null,
    last_error      text,
    sent_at         text,
    created_at      text not null
);
create index license_outbox_pending on license_outbox(id) where sent_at is null;

-- Events received from downstream libraries: the primary key makes a resend a no-op.
create table license_inbox (
    source      text not null,
    event_id    text not null,
    license_id  integer not null references licenses(id),
    received_at text not null,
    primary key (source, event_id)
);

-- Disclosure on application (依申请公开): requests, their letters, files, consultations,
-- appeals and process log. Lockstep with ../postgres/0004_disclosure_requests.sql.

create table disclosure_requests (
    id                  integer primary key,
    request_no          text not null unique,
    department_id       integer references departments(id),  -- the agency asked; null = the centre
    channel             text not null,
    received_on         text not null,         -- 收到申请之日 (条例 art. 31)
    requester_kind      text not null,         -- table 三 column
    applicant_name      text not null,
    id_number           text not null,         -- resident ID or credit code, normalised
    applicant_id        integer references applicants(id),
    legal_rep           text,
    contact_name        text,
    phone               text,
    email               text,
    address             text,
    description         text not null,
    doc_ref             text,
    info_form           text not null,
    obtain              text not null,
    accept_other_form   integer not null,
    query_password_hash text,
    status              text not null,
    clock_events        text not null,
    due_date            text,
    correction_asked    integer not null default 0,
    correction_due      text,
    fee_amount          integer,
    fee_due             text,
    fee_paid_on         text,
    extended            integer not null default 0,
    outcome             text,
    reply_reason        text,
    replied_on          text,
    created_by          integer,
    version             integer not null,
    created_at          text not null,
    updated_at          text not null
);
create index disclosure_requests_queue on disclosure_requests(status, due_date, id);
create index disclosure_requests_applicant on disclosure_requests(id_number, id);
create index disclosure_requests_received on disclosure_requests(received_on, id);

create table disclosure_events (
    id         integer primary key,
    request_id integer not null references disclosure_requests(id),
    at         text not null,
    actor      text not null,
    kind       text not null,
    detail     text not null
);
create index disclosure_events_request on disclosure_events(request_id, id);

create table disclosure_letters (
    id         integer primary key,
    request_id integer not null references disclosure_requests(id),
    kind       text not null,
    number     text not null unique,
    issued_at  text not null,
    body       text not null
);
create index disclosure_letters_request on disclosure_letters(request_id, id);

create table disclosure_files (
    id          integer primary key,
    request_id  integer not null references disclosure_requests(id),
    purpose     text not null,                -- identity | scan | released
    filename    text not null,
    media_type  text not null,
    size        integer not null,
    sha256      text not null,
    uploaded_at text not null
);
create index disclosure_files_request on disclosure_files(request_id, id);

create table disclosure_consultations (
    id          integer primary key,
    request_id  integer not null references disclosure_requests(id),
    party       text not null,
    party_kind  text not null,                -- third_party | agency
    sent_on     text not null,
    due_on      text not null,
    answer      text,                         -- agree | object | none (silence)
    answer_note text,
    answered_on text
);
create index disclosure_consultations_request on disclosure_consultations(request_id, id);

create table disclosure_appeals (
    id         integer primary key,
    request_id integer not null references disclosure_requests(id),
    kind       text not null,
    filed_on   text not null,
    result     text not null,
    decided_on text,
    note       text
);
create index disclosure_appeals_request on disclosure_appeals(request_id, id);

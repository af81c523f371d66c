-- Online accounts are bound to a person only through a window: an account opened with nothing
-- but an 一号 and a name sees only what it applied for online; a clerk who has checked the
-- person's ID in person issues an activation code, and registering with it verifies the account.
alter table applicants add column verified_at text;

create table applicant_activations (
    applicant_id integer primary key references applicants(id),
    code_hash    text not null,             -- SHA-256 of the code; the code is shown once
    expires_at   text not null,
    failures     integer not null default 0,
    issued_by    integer references users(id),
    created_at   text not null
);

-- Online accounts are bound to a person only through a window: an account opened with nothing
-- but an 一号 and a name sees only what it applied for online; a clerk who has checked the
-- person's ID in person issues an activation code, and registering with it verifies the account.
alter table applicants add column verified_at timestamptz;

create table applicant_activations (
    applicant_id bigint primary key references applicants(id),
    code_hash    text not null,             -- SHA-256 of the code; the code is shown once
    expires_at   timestamptz not null,
    failures     bigint not null default 0,
    issued_by    bigint references users(id),
    created_at   timestamptz not null
);

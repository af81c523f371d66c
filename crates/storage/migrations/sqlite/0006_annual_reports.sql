-- The statutory annual report on government information disclosure: per body (a department or
-- a region) and year, the officer's narrative, figures entered by hand (with their source), and
-- the disclosure item it was published as. Lockstep with ../postgres/0006_annual_reports.sql.

create table annual_reports (
    id          integer primary key,
    scope       text not null,        -- 'department' or 'region'
    scope_key   text not null,        -- department id or region code
    year        integer not null,
    narrative   text not null,        -- JSON {overview, problems, other}
    manual      text not null,        -- JSON {key: {value, source, by, at}}
    legacy      text,                 -- JSON rows of a pre-2019 统计附表 entered by hand
    snapshot    text,                 -- JSON figures as published (next year's carry-over check)
    item_id     integer references info_items(id),
    version     integer not null,
    created_at  text not null,
    updated_at  text not null,
    unique (scope, scope_key, year)
);

-- Table 三 reads requests by date of receipt and reply; table 四 appeals by date filed.
create index disclosure_requests_replied on disclosure_requests(replied_on);
create index disclosure_appeals_filed on disclosure_appeals(filed_on);

-- Table 三 of the annual report reads, for every request received by the end of the year, its
-- dates, applicant type, channel, outcome and department: one covering index lets the database
-- count a region's million requests from index entries alone. Lockstep with
-- ../postgres/0008_report_indexes.sql.
create index disclosure_requests_report on disclosure_requests(received_on, replied_on, requester_kind, channel, outcome, department_id);

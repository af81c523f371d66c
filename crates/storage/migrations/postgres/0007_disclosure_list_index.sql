-- The public disclosure list and its count read only index entries: published proactive versions
-- newest first, overall and per column (a list page of 100,000 items then needs no table rows
-- but the twenty it shows). Lockstep with ../sqlite/0007_disclosure_list_index.sql.
create index info_versions_public_list on info_versions(state, attribute, published_at, id);
create index info_versions_public_column on info_versions(state, attribute, column_key, published_at, id);

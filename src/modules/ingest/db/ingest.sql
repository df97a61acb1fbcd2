-- Staged import rows are a copy of part of a file that is still on disk: skipping the WAL makes
-- staging 2-3x cheaper. After a server crash PostgreSQL empties unlogged tables; a resumed run
-- notices (import_runs.staged_count no longer matches) and reads the file again from the top.
alter table ingest.staged_rows set unlogged;

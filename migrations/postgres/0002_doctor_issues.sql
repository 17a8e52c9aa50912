-- The issue the branch-protection doctor opened for a repository's branch, so that it opens
-- at most one per installation, repository and branch (GitHub's issue list is not read for
-- this: a stored row is exact and costs no API call).
--
-- No foreign key to `installations`: `redgreen doctor --repo` may run before any webhook of
-- the installation was recorded. A tenant table, so under row-level security like the others
-- (see 0001).
CREATE TABLE doctor_issues (
    installation_id BIGINT NOT NULL,
    repository TEXT NOT NULL,
    branch TEXT NOT NULL,
    issue_number BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (installation_id, repository, branch)
);

ALTER TABLE doctor_issues ENABLE ROW LEVEL SECURITY;
ALTER TABLE doctor_issues FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON doctor_issues
    USING (redgreen_row_visible(installation_id))
    WITH CHECK (redgreen_row_visible(installation_id));

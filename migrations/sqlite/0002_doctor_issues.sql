-- The issue the branch-protection doctor opened for a repository's branch, so that it opens
-- at most one per installation, repository and branch (GitHub's issue list is not read for
-- this: a stored row is exact and costs no API call).
--
-- No foreign key to `installations`: `redgreen doctor --repo` may run before any webhook of
-- the installation was recorded.
CREATE TABLE doctor_issues (
    installation_id INTEGER NOT NULL,
    repository TEXT NOT NULL,
    branch TEXT NOT NULL,
    issue_number INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (installation_id, repository, branch)
);

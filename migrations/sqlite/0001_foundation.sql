-- redgreen's store on SQLite (the embedded default): tenants, deliveries, runs, the task queue
-- and the hash-chained audit log. Timestamps are epoch milliseconds; ids are UUID text; JSON is
-- TEXT. SQLite has no row-level security, so the store applies the tenant scope in every query.

-- The tenant: one GitHub App installation.
CREATE TABLE installations (
    installation_id INTEGER PRIMARY KEY,
    account_login TEXT,
    suspended INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Keyed by (installation, repository) rather than the repository alone, so a repository that
-- moves between installations never makes one tenant's write touch another tenant's row.
CREATE TABLE repositories (
    installation_id INTEGER NOT NULL REFERENCES installations (installation_id),
    github_id INTEGER NOT NULL,
    full_name TEXT NOT NULL,
    clone_url TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (installation_id, github_id)
) STRICT;

-- One row per X-GitHub-Delivery: the primary key is what makes a redelivery a no-op.
-- `installation_id` is NULL for app-level events (ping); those rows are system-only.
-- `payload` is kept verbatim as received.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    action TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    installation_id INTEGER REFERENCES installations (installation_id),
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;

CREATE INDEX deliveries_received ON deliveries (received_at, id);
CREATE INDEX deliveries_installation_received ON deliveries (installation_id, received_at, id);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    installation_id INTEGER NOT NULL REFERENCES installations (installation_id),
    repository_id INTEGER NOT NULL,
    repository TEXT NOT NULL,
    delivery_id TEXT REFERENCES deliveries (id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'preparing', 'planning', 'red', 'patch',
        'green', 'publishing', 'done', 'needs_human', 'failed', 'cancelled')),
    issue INTEGER,
    pull_request INTEGER,
    pr_url TEXT,
    actor TEXT NOT NULL,
    request TEXT NOT NULL,
    checkpoint TEXT NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    FOREIGN KEY (installation_id, repository_id)
        REFERENCES repositories (installation_id, github_id)
) STRICT;

CREATE INDEX runs_created ON runs (created_at, id);
CREATE INDEX runs_installation_created ON runs (installation_id, created_at, id);

-- A run's history; `installation_id` is repeated so the tenant filter needs no join.
CREATE TABLE run_events (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq INTEGER NOT NULL,
    installation_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    state TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) STRICT;

-- The durable queue. It holds scheduling data and references only (tenant content lives in the
-- tenant tables), and carries no foreign keys: a task may outlive the tenant rows it names
-- (an uninstall task runs after its tenant is gone).
--
-- `due_at` is when the scheduler must next look at the task: `run_at` while queued, the lease
-- expiry while leased (an expired lease is a crashed holder), NULL once it is finished. One
-- partial index on it makes "oldest due task" a single index probe for both cases.
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    installation_id INTEGER,
    run_id TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'done', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    due_at INTEGER,
    lease_token TEXT,
    lease_expires_at INTEGER,
    leased_by TEXT,
    last_error TEXT,
    completions INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((state IN ('queued', 'leased')) = (due_at IS NOT NULL))
) STRICT;

-- `state` rides along so the queue-depth counts read the index alone.
CREATE INDEX tasks_due ON tasks (due_at, state) WHERE due_at IS NOT NULL;
CREATE INDEX tasks_run ON tasks (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX tasks_dead ON tasks (updated_at) WHERE state = 'dead';

-- The audit log: one hash chain per installation (`chain` = installation id, 0 for
-- app-level entries). Each row's hash covers the previous row's hash and its own contents;
-- `data` is the exact JSON text that was hashed, so it is TEXT, never re-serialised.
CREATE TABLE audit_log (
    chain INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
) STRICT;

-- The last entry of each chain. Without it a deleted tail would leave a shorter chain that
-- still verifies.
CREATE TABLE audit_heads (
    chain INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;

-- Append-only in the schema too, so no code path can rewrite history by accident. Someone who
-- drops these triggers can still edit rows; `audit verify` is what detects that.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE ON audit_heads
WHEN NEW.chain <> OLD.chain OR NEW.seq <= OLD.seq
BEGIN
    SELECT RAISE(ABORT, 'audit_heads only move forward');
END;

CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
BEGIN
    SELECT RAISE(ABORT, 'audit_heads only move forward');
END;

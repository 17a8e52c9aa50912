-- redgreen's store on PostgreSQL: tenants, deliveries, runs, the task queue and the
-- hash-chained audit log. Timestamps are epoch milliseconds (BIGINT); ids are UUID text.
--
-- Tenant isolation is row-level security: every tenant table has RLS enabled AND forced (so
-- the owning role, which the application connects as, is subject to it too) with one policy
-- keyed on the installation. The store sets the scope per transaction with
-- set_config(..., true); a session that sets nothing sees and writes nothing.
-- Superusers and BYPASSRLS roles skip RLS entirely: connect as a plain role.

-- Whether a row of `installation` is visible in the current transaction's scope.
-- `redgreen.installation_id` reads as '' (not NULL) after a transaction-local setting ends,
-- hence the nullif. A plain SQL function so the planner inlines it into each policy.
CREATE FUNCTION redgreen_row_visible(installation BIGINT) RETURNS BOOLEAN
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT installation = nullif(current_setting('redgreen.installation_id', true), '')::bigint
        OR coalesce(current_setting('redgreen.scope', true) = 'system', false)
$$;

-- The tenant: one GitHub App installation.
CREATE TABLE installations (
    installation_id BIGINT PRIMARY KEY,
    account_login TEXT,
    suspended BOOLEAN NOT NULL DEFAULT false,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Keyed by (installation, repository) rather than the repository alone, so a repository that
-- moves between installations never makes one tenant's write touch another tenant's row.
CREATE TABLE repositories (
    installation_id BIGINT NOT NULL REFERENCES installations (installation_id),
    github_id BIGINT NOT NULL,
    full_name TEXT NOT NULL,
    clone_url TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (installation_id, github_id)
);

-- One row per X-GitHub-Delivery: the primary key is what makes a redelivery a no-op.
-- `installation_id` is NULL for app-level events (ping); those rows are system-only.
-- `payload` is TEXT, not JSONB: it is kept verbatim as received (JSONB would reorder keys
-- and refuse some valid JSON, such as "\u0000").
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    action TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    installation_id BIGINT REFERENCES installations (installation_id),
    payload TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

CREATE INDEX deliveries_received ON deliveries (received_at, id);
CREATE INDEX deliveries_installation_received ON deliveries (installation_id, received_at, id);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    installation_id BIGINT NOT NULL REFERENCES installations (installation_id),
    repository_id BIGINT NOT NULL,
    repository TEXT NOT NULL,
    delivery_id TEXT REFERENCES deliveries (id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'preparing', 'planning', 'red', 'patch',
        'green', 'publishing', 'done', 'needs_human', 'failed', 'cancelled')),
    issue BIGINT,
    pull_request BIGINT,
    pr_url TEXT,
    actor TEXT NOT NULL,
    request JSONB NOT NULL,
    checkpoint JSONB NOT NULL,
    cancel_requested BOOLEAN NOT NULL DEFAULT false,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (installation_id, repository_id)
        REFERENCES repositories (installation_id, github_id)
);

CREATE INDEX runs_created ON runs (created_at, id);
CREATE INDEX runs_installation_created ON runs (installation_id, created_at, id);

-- A run's history; `installation_id` is repeated so the policy needs no join.
CREATE TABLE run_events (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq BIGINT NOT NULL,
    installation_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    state TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    data JSONB NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- The durable queue. It is NOT under row-level security: it belongs to the scheduler, which
-- must pick the oldest due task across all tenants, and it holds no tenant content (only
-- scheduling data and references; what a task works on is read from the tenant tables under
-- the tenant's scope). It carries no foreign keys: a task may outlive the tenant rows it names
-- (an uninstall task runs after its tenant is gone).
--
-- `due_at` is when the scheduler must next look at the task: `run_at` while queued, the lease
-- expiry while leased (an expired lease is a crashed holder), NULL once it is finished. One
-- partial index on it makes "oldest due task" a single index probe for both cases, and
-- `FOR UPDATE SKIP LOCKED` lets any number of processes lease from it concurrently.
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    installation_id BIGINT,
    run_id TEXT,
    payload JSONB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'done', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at BIGINT NOT NULL,
    due_at BIGINT,
    lease_token TEXT,
    lease_expires_at BIGINT,
    leased_by TEXT,
    last_error TEXT,
    completions INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((state IN ('queued', 'leased')) = (due_at IS NOT NULL))
);

-- `state` rides along so the queue-depth counts read the index alone.
CREATE INDEX tasks_due ON tasks (due_at, state) WHERE due_at IS NOT NULL;
CREATE INDEX tasks_run ON tasks (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX tasks_dead ON tasks (updated_at) WHERE state = 'dead';

-- The audit log: one hash chain per installation (`chain` = installation id, 0 for
-- app-level entries), so a tenant's transaction only ever locks and reads its own chain head.
-- Each row's hash covers the previous row's hash and its own contents; `data` is the exact
-- JSON text that was hashed, so it is TEXT (JSONB would re-serialise it and break the hash).
CREATE TABLE audit_log (
    chain BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
);

-- The last entry of each chain. Without it a deleted tail would leave a shorter chain that
-- still verifies. Appenders lock this row, which serialises appends to one chain.
CREATE TABLE audit_heads (
    chain BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

-- Append-only in the schema too, so no code path can rewrite history by accident. Someone who
-- can disable these triggers can still edit rows; `audit verify` is what detects that.
CREATE FUNCTION redgreen_audit_append_only() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION redgreen_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION redgreen_audit_append_only();

CREATE FUNCTION redgreen_audit_head_forward_only() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.chain <> OLD.chain OR NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION 'audit_heads only move forward';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE OR DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION redgreen_audit_head_forward_only();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION redgreen_audit_head_forward_only();

-- Row-level security on every tenant table.
ALTER TABLE installations ENABLE ROW LEVEL SECURITY;
ALTER TABLE installations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON installations
    USING (redgreen_row_visible(installation_id))
    WITH CHECK (redgreen_row_visible(installation_id));

ALTER TABLE repositories ENABLE ROW LEVEL SECURITY;
ALTER TABLE repositories FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON repositories
    USING (redgreen_row_visible(installation_id))
    WITH CHECK (redgreen_row_visible(installation_id));

ALTER TABLE deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON deliveries
    USING (redgreen_row_visible(installation_id))
    WITH CHECK (redgreen_row_visible(installation_id));

ALTER TABLE runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON runs
    USING (redgreen_row_visible(installation_id))
    WITH CHECK (redgreen_row_visible(installation_id));

ALTER TABLE run_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE run_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON run_events
    USING (redgreen_row_visible(installation_id))
    WITH CHECK (redgreen_row_visible(installation_id));

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log
    USING (redgreen_row_visible(chain))
    WITH CHECK (redgreen_row_visible(chain));

ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_heads
    USING (redgreen_row_visible(chain))
    WITH CHECK (redgreen_row_visible(chain));

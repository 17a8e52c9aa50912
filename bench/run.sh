#!/usr/bin/env bash
# bench/run.sh: the benchmarks of docs/benchmarks.md, from a clean checkout.
#
#   bench/run.sh          every measurement, RUNS times each, medians at the end:
#     1. builds `redgreen` and `redgreen-bench` in release mode;
#     2. webhook intake on SQLite: starts `redgreen serve` on a free loopback port with a
#        fresh data dir, measures GET /healthz (the baseline) and then signed
#        `issue_comment` deliveries (each one a durable run + task) at the same constant
#        rate, and stops it;
#     3. the same on PostgreSQL, each run on a freshly created database;
#     4. queue throughput (enqueue→lease→complete) on SQLite and on PostgreSQL.
#   bench/run.sh sweep    once per setting, to find where the limits are: intake on both
#                         backends at each rate in SWEEP_RATES; the PostgreSQL queue with
#                         each "workers producers" pair in SWEEP_QUEUE; and the queue fed
#                         with whole webhook deliveries (`--source delivery`) on both
#                         backends, the store's share of intake without HTTP.
#
# Every run starts from an empty database and a fresh server. Each run's JSON report and
# each server's log are kept in $OUT; the databases are removed after each run.
#
# Needs: cargo, curl, psql, and PostgreSQL on 127.0.0.1:5432 with trust auth for `postgres`.
# Tunables (environment): RUNS (3), RATE (500), DURATION (30; 10 for sweep), WARMUP (3),
# TASKS (20000), QUEUE_WORKERS (8), QUEUE_PRODUCERS (8), SERVER_WORKERS (2, given to the
# server as REDGREEN_WORKERS), SWEEP_RATES, SWEEP_QUEUE, PG_ADMIN_URL, PAYLOAD, OUT,
# CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-all}
case $MODE in
all | sweep) ;;
*) echo "usage: bench/run.sh [all|sweep]" >&2; exit 2 ;;
esac
RUNS=${RUNS:-3}
RATE=${RATE:-500}
if [[ $MODE == sweep ]]; then DURATION=${DURATION:-10}; else DURATION=${DURATION:-30}; fi
WARMUP=${WARMUP:-3}
TASKS=${TASKS:-20000}
QUEUE_WORKERS=${QUEUE_WORKERS:-8}
QUEUE_PRODUCERS=${QUEUE_PRODUCERS:-8}
SERVER_WORKERS=${SERVER_WORKERS:-2}
SWEEP_RATES=${SWEEP_RATES:-50 100 200 300 400 500}
SWEEP_QUEUE=${SWEEP_QUEUE:-1 1,4 2,8 8,16 16}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PAYLOAD=${PAYLOAD:-testdata/github/webhook-examples/issue_comment/created.payload.json}
OUT=${OUT:-$(mktemp -d -t redgreen-bench.XXXXXX)}
TARGET_DIR=${CARGO_TARGET_DIR:-target}

for tool in cargo curl psql; do
    command -v "$tool" >/dev/null || { echo "bench/run.sh: needs $tool on PATH" >&2; exit 1; }
done
psql "$PG_ADMIN_URL" -qAtc 'SELECT 1' >/dev/null || {
    echo "bench/run.sh: PostgreSQL is not reachable at $PG_ADMIN_URL" >&2
    exit 1
}
[[ -f $PAYLOAD ]] || { echo "bench/run.sh: no example payload at $PAYLOAD" >&2; exit 1; }

# A secret for this run only. The server and the generator both read it from the
# environment, so it is on no command line.
REDGREEN_WEBHOOK_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export REDGREEN_WEBHOOK_SECRET

mkdir -p "$OUT"
started=$SECONDS

cargo build --release -p redgreen -p redgreen-bench
REDGREEN=$TARGET_DIR/release/redgreen
BENCH=$TARGET_DIR/release/redgreen-bench

echo "=== machine"
echo "cpus: $(nproc); $(lscpu | sed -n 's/^Model name: *//p')"
echo "memory: $(free -h | awk '/^Mem:/ {print $2}'); kernel: $(uname -r)"
echo "postgres: $(psql "$PG_ADMIN_URL" -qAtc 'SHOW server_version')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results in $OUT"

SERVER_PID=
STAND_IN_PID=
DATABASES=()
cleanup() {
    stop_server
    for db in "${DATABASES[@]}"; do
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
    done
}
trap cleanup EXIT

# Creates an empty PostgreSQL database named after LABEL and sets FRESH_DATABASE_URL to it. Not
# called in a subshell: the cleanup must see the name to drop the database.
fresh_database() {
    local name="redgreen_bench_$$_${1//-/_}"
    psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $name" >/dev/null
    DATABASES+=("$name")
    FRESH_DATABASE_URL="${PG_ADMIN_URL%/*}/$name"
}

# A loopback port nothing listens on (the server refuses to start if it was taken since).
free_port() {
    local port
    while true; do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

# start_server LABEL [DATABASE_URL]: SQLite in a fresh data dir unless a URL is given. The
# server checks each commenter's permission against a GitHub stand-in started with it.
start_server() {
    local label=$1 database_url=${2:-}
    PORT=$(free_port)
    mkdir -p "$OUT/$label"
    "$BENCH" stand-in --key-file "$OUT/$label/app-key.pem" >"$OUT/$label/stand-in.out" 2>&1 &
    STAND_IN_PID=$!
    for _ in $(seq 1 100); do
        [[ -s $OUT/$label/stand-in.out ]] && break
        sleep 0.1
    done
    local github_url app_id
    read -r github_url app_id <"$OUT/$label/stand-in.out"
    env REDGREEN_LISTEN="127.0.0.1:$PORT" \
        REDGREEN_DATA_DIR="$OUT/$label/data" \
        ${database_url:+REDGREEN_DATABASE_URL="$database_url"} \
        REDGREEN_WORKERS="$SERVER_WORKERS" \
        REDGREEN_GITHUB_API_URL="$github_url" \
        REDGREEN_GITHUB_APP_ID="$app_id" \
        REDGREEN_GITHUB_PRIVATE_KEY="$OUT/$label/app-key.pem" \
        "$REDGREEN" serve >"$OUT/$label/serve.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then
            return
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "redgreen serve exited; its log:" >&2
            tail -n 20 "$OUT/$label/serve.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "redgreen serve was not ready after 30 s; its log:" >&2
    tail -n 20 "$OUT/$label/serve.log" >&2
    exit 1
}

stop_server() {
    if [[ -n $SERVER_PID ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
    if [[ -n $STAND_IN_PID ]]; then
        kill -INT "$STAND_IN_PID" 2>/dev/null || true
        wait "$STAND_IN_PID" 2>/dev/null || true
        STAND_IN_PID=
    fi
}

INTAKE_KEYS=webhook.achieved_rps,webhook.ok,webhook.not_accepted,webhook.errors
INTAKE_KEYS+=,latency.p50_ms,latency.p90_ms,latency.p99_ms,latency.p99_9_ms,latency.max_ms
INTAKE_KEYS+=,dispatch_lag.p99_ms,ratio.p50,ratio.p99
QUEUE_KEYS=tasks_per_s,elapsed_s,enqueue_phase_s,empty_leases,leased_twice
QUEUE_KEYS+=,enqueue.p50_ms,enqueue.p99_ms,lease.p50_ms,lease.p99_ms,complete.p50_ms,complete.p99_ms

intake() { # LABEL BACKEND RATE [--baseline]
    local label=$1 backend=$2 rate=$3 url=
    if [[ $backend == postgres ]]; then
        fresh_database "$label"
        url=$FRESH_DATABASE_URL
    fi
    start_server "$label" "$url"
    echo "== $label: $backend, ${4:+GET /healthz then }webhooks at $rate req/s for $DURATION s"
    "$BENCH" intake --url "http://127.0.0.1:$PORT" --rate "$rate" --duration-secs "$DURATION" \
        --warmup-secs "$WARMUP" --payload "$PAYLOAD" ${4:-} --json >"$OUT/$label.json"
    stop_server
    # The SQLite database holds every payload (about 1 GB per invocation); the log stays.
    rm -rf "$OUT/$label/data"
    "$BENCH" medians "$OUT/$label.json" --keys "$INTAKE_KEYS"
}

queue() { # LABEL BACKEND WORKERS PRODUCERS [EXTRA ARGS...]
    local label=$1 backend=$2 args=()
    if [[ $backend == postgres ]]; then
        fresh_database "$label"
        args=(--database-url "$FRESH_DATABASE_URL")
    fi
    echo "== $label: $backend, $TASKS tasks, $4 producers, $3 workers ${*:5}"
    "$BENCH" queue "${args[@]}" --tasks "$TASKS" --workers "$3" --producers "$4" "${@:5}" \
        --json >"$OUT/$label.json"
    "$BENCH" medians "$OUT/$label.json" --keys "$QUEUE_KEYS"
}

if [[ $MODE == sweep ]]; then
    for backend in sqlite postgres; do
        for rate in $SWEEP_RATES; do intake "sweep-intake-$backend-$rate" "$backend" "$rate"; done
    done
    IFS=, read -ra pairs <<<"$SWEEP_QUEUE"
    for pair in "${pairs[@]}"; do
        read -r workers producers <<<"$pair"
        queue "sweep-queue-postgres-$workers-$producers" postgres "$workers" "$producers"
    done
    # The store's share of intake: whole webhook deliveries (run + task + audit) as producers.
    for backend in sqlite postgres; do
        queue "sweep-queue-$backend-deliveries" "$backend" "$QUEUE_WORKERS" "$QUEUE_PRODUCERS" \
            --source delivery --payload "$PAYLOAD"
    done
else
    for backend in sqlite postgres; do
        for run in $(seq 1 "$RUNS"); do
            intake "intake-$backend-$run" "$backend" "$RATE" --baseline
        done
    done
    for backend in sqlite postgres; do
        for run in $(seq 1 "$RUNS"); do
            queue "queue-$backend-$run" "$backend" "$QUEUE_WORKERS" "$QUEUE_PRODUCERS"
        done
    done
    for backend in sqlite postgres; do
        echo
        echo "=== intake on $backend at $RATE req/s for $DURATION s: medians of $RUNS runs"
        "$BENCH" medians "$OUT"/intake-"$backend"-*.json --keys "$INTAKE_KEYS"
    done
    for backend in sqlite postgres; do
        echo
        echo "=== queue on $backend ($TASKS tasks, $QUEUE_PRODUCERS producers," \
            "$QUEUE_WORKERS workers): medians of $RUNS runs"
        "$BENCH" medians "$OUT"/queue-"$backend"-*.json --keys "$QUEUE_KEYS"
    done
fi
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench/run.sh $MODE took $((SECONDS - started)) s; reports and server logs in $OUT"

//! redgreen-store's integration tests: one suite, written once and run against both backends.
//! The SQLite instance runs by default; the PostgreSQL instance needs a server
//! (`REDGREEN_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`, with
//! trust auth for the `redgreen_test` role it creates) and runs with `--ignored`.

// A failing test should stop right where it fails, with the value that was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "store/audit.rs"]
mod audit;
#[path = "store/doctor_issues.rs"]
mod doctor_issues;
#[path = "store/durability.rs"]
mod durability;
#[path = "store/harness.rs"]
mod harness;
#[path = "store/intake.rs"]
mod intake;
#[path = "store/queue.rs"]
mod queue;
#[path = "store/rls.rs"]
mod rls;
#[path = "store/runs.rs"]
mod runs;
#[path = "store/tenancy.rs"]
mod tenancy;

/// Instantiates every listed `async fn(&TestDb)` as a test on a fresh SQLite database and as
/// an ignored test on a fresh PostgreSQL database.
macro_rules! suite {
    ($($module:ident :: $test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    let db = crate::harness::TestDb::sqlite().await;
                    crate::$module::$test(&db).await;
                    db.finish().await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                #[ignore = "needs PostgreSQL; run with --ignored (see .ci/run)"]
                async fn $test() {
                    let db = crate::harness::TestDb::postgres().await;
                    crate::$module::$test(&db).await;
                    db.finish().await;
                }
            )*
        }
    };
}

suite! {
    doctor_issues::the_first_doctor_issue_is_kept_per_repository_and_branch,
    intake::migrations_are_idempotent_on_reconnect,
    intake::delivery_run_task_and_audit_are_written_together,
    intake::redelivery_is_duplicate_and_writes_nothing,
    intake::app_level_delivery_is_visible_to_system_only,
    intake::run_without_tenant_is_refused_and_writes_nothing,
    intake::concurrent_deliveries_keep_every_chain_intact,
    intake::a_renamed_repository_is_updated_and_an_unchanged_one_left_alone,
    intake::a_delivery_failing_halfway_is_rolled_back_alone,
    tenancy::a_tenant_sees_nothing_of_another_tenant,
    queue::lease_heartbeat_complete,
    queue::lease_takes_the_oldest_due_task_only,
    queue::lease_kinds_takes_only_those_kinds_oldest_first,
    queue::concurrent_enqueues_each_land_once_and_a_duplicate_fails_alone,
    queue::concurrent_leasers_never_share_a_task,
    queue::expired_lease_is_re_leased_and_fences_the_old_holder,
    queue::expired_last_attempt_is_dead_lettered,
    queue::failure_backs_off_then_dead_letters,
    queue::non_retryable_failure_dead_letters_at_once,
    queue::release_does_not_count_the_attempt,
    queue::cancel_task_stops_queued_and_leased_tasks,
    queue::queue_depth_counts_each_state,
    queue::complete_and_lease_hands_off_to_the_next_task,
    queue::complete_and_lease_reports_a_lost_lease_and_skips_the_finished_task,
    runs::transitions_checkpoint_and_record_events_in_order,
    runs::transition_from_the_wrong_state_is_a_conflict,
    runs::cancel_of_a_queued_run_cancels_it_and_its_tasks,
    runs::cancel_of_a_running_run_flags_it_once,
    runs::cancel_of_a_terminal_or_unknown_run_changes_nothing,
    audit::fresh_log_verifies,
    audit::edited_row_is_detected,
    audit::deleted_middle_row_is_detected,
    audit::deleted_tail_row_is_detected,
    audit::log_refuses_edits_without_tampering,
}

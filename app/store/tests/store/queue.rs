//! The durable queue: leases and their fencing tokens, crash recovery by lease expiry,
//! retries with backoff, dead letters, release and cancellation.

use std::collections::HashSet;

use redgreen_store::{FailOutcome, NewTask, QueueDepth, RetryPolicy, StoreError, TaskState};

use crate::harness::{T0, TestDb, task};

const LEASE_MS: i64 = 30_000;

pub async fn lease_heartbeat_complete(db: &TestDb) {
    let id = db.store.enqueue(&task(3, T0)).await.unwrap();

    let leased = db.store.lease("w1", LEASE_MS, T0).await.unwrap().unwrap();
    assert_eq!(leased.id, id);
    assert_eq!(leased.kind, "control");
    assert_eq!(leased.payload["n"], 1);
    assert_eq!((leased.attempt, leased.max_attempts), (1, 3));
    assert_eq!(leased.lease.task, id);
    assert_eq!(leased.lease.expires_at, T0.plus_millis(LEASE_MS));
    assert_eq!(
        db.store.task(id).await.unwrap().unwrap().state,
        TaskState::Leased
    );
    // Leased and unexpired: nobody else gets it.
    assert!(db.store.lease("w2", LEASE_MS, T0).await.unwrap().is_none());

    let later = T0.plus_millis(20_000);
    let extended = db
        .store
        .heartbeat(&leased.lease, LEASE_MS, later)
        .await
        .unwrap();
    assert_eq!(extended.expires_at, later.plus_millis(LEASE_MS));
    assert_eq!(extended.token, leased.lease.token);
    // Past the original expiry but inside the extended one: still held.
    let past_first_expiry = T0.plus_millis(LEASE_MS + 1);
    assert!(
        db.store
            .lease("w2", LEASE_MS, past_first_expiry)
            .await
            .unwrap()
            .is_none()
    );

    db.store
        .complete(&extended, past_first_expiry)
        .await
        .unwrap();
    let done = db.store.task(id).await.unwrap().unwrap();
    assert_eq!(done.state, TaskState::Done);
    assert_eq!((done.attempts, done.completions), (1, 1));

    let err = db
        .store
        .complete(&extended, past_first_expiry)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::LeaseLost { task } if task == id),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(db.store.task(id).await.unwrap().unwrap().completions, 1);
    let far_future = T0.plus_millis(10 * LEASE_MS);
    assert!(
        db.store
            .lease("w2", LEASE_MS, far_future)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn lease_takes_the_oldest_due_task_only(db: &TestDb) {
    let later = db
        .store
        .enqueue(&task(3, T0.plus_millis(2_000)))
        .await
        .unwrap();
    let sooner = db
        .store
        .enqueue(&task(3, T0.plus_millis(1_000)))
        .await
        .unwrap();
    let not_due = db
        .store
        .enqueue(&task(3, T0.plus_millis(60_000)))
        .await
        .unwrap();

    assert!(db.store.lease("w", LEASE_MS, T0).await.unwrap().is_none());
    let now = T0.plus_millis(5_000);
    for expected in [sooner, later] {
        let leased = db.store.lease("w", LEASE_MS, now).await.unwrap().unwrap();
        assert_eq!(leased.id, expected);
        db.store.complete(&leased.lease, now).await.unwrap();
    }
    assert!(db.store.lease("w", LEASE_MS, now).await.unwrap().is_none());
    let due = T0.plus_millis(60_000);
    assert_eq!(
        db.store
            .lease("w", LEASE_MS, due)
            .await
            .unwrap()
            .unwrap()
            .id,
        not_due
    );
}

pub async fn lease_kinds_takes_only_those_kinds_oldest_first(db: &TestDb) {
    let of_kind = |kind: &str, at: i64| NewTask {
        kind: kind.to_owned(),
        ..task(3, T0.plus_millis(at))
    };
    // A long-running kind is due first; the lane for control work must not wait behind it.
    let run = db.store.enqueue(&of_kind("run", 1_000)).await.unwrap();
    let reply = db.store.enqueue(&of_kind("reply", 3_000)).await.unwrap();
    let control = db.store.enqueue(&of_kind("control", 2_000)).await.unwrap();
    let now = T0.plus_millis(5_000);
    let lane = ["control", "reply"];
    for expected in [control, reply] {
        let leased = db
            .store
            .lease_kinds("lane", LEASE_MS, now, &lane)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(leased.id, expected);
        db.store.complete(&leased.lease, now).await.unwrap();
    }
    assert!(
        db.store
            .lease_kinds("lane", LEASE_MS, now, &lane)
            .await
            .unwrap()
            .is_none(),
        "the run task is not the lane's"
    );
    let leased = db.store.lease("any", LEASE_MS, now).await.unwrap().unwrap();
    assert_eq!(leased.id, run);
}

pub async fn concurrent_enqueues_each_land_once_and_a_duplicate_fails_alone(db: &TestDb) {
    let first = task(3, T0);
    db.store.enqueue(&first).await.unwrap();
    // Enough producers at once that PostgreSQL batches them, one of them repeating an id
    // already taken: only that one fails, whatever batch it shares.
    let mut producers = Vec::new();
    for i in 0..64 {
        let store = db.store.clone();
        let new = if i == 17 {
            first.clone()
        } else {
            task(3, T0.plus_millis(i))
        };
        producers.push(tokio::spawn(async move {
            let result = store.enqueue(&new).await;
            (new, result)
        }));
    }
    let mut landed = HashSet::from([first.id]);
    let mut refused = Vec::new();
    for producer in producers {
        let (new, result) = producer.await.unwrap();
        match result {
            Ok(id) => {
                assert_eq!(id, new.id);
                landed.insert(id);
            }
            Err(error) => refused.push((new.id, error)),
        }
    }
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, first.id, "only the duplicate is refused");
    assert_eq!(landed.len(), 64);
    for id in &landed {
        let record = db.store.task(*id).await.unwrap().unwrap();
        assert_eq!(record.state, TaskState::Queued);
        assert_eq!(record.kind, "control");
    }
    let depth = db.store.queue_depth().await.unwrap();
    assert_eq!(depth.queued, 64, "{depth:?}");
}

pub async fn concurrent_leasers_never_share_a_task(db: &TestDb) {
    let mut enqueued = HashSet::new();
    for i in 0..100 {
        enqueued.insert(db.store.enqueue(&task(3, T0.plus_millis(i))).await.unwrap());
    }

    let mut workers = Vec::new();
    for w in 0..8 {
        let store = db.store.clone();
        workers.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut done = Vec::new();
            let now = T0.plus_millis(1_000);
            while let Some(leased) = store.lease(&worker, LEASE_MS, now).await.unwrap() {
                store.complete(&leased.lease, now).await.unwrap();
                done.push(leased.id);
            }
            done
        }));
    }
    let mut completed = Vec::new();
    for worker in workers {
        completed.extend(worker.await.unwrap());
    }

    assert_eq!(
        completed.len(),
        100,
        "a task was leased twice or not at all"
    );
    assert_eq!(completed.iter().copied().collect::<HashSet<_>>(), enqueued);
    for id in enqueued {
        let record = db.store.task(id).await.unwrap().unwrap();
        assert_eq!(record.state, TaskState::Done);
        assert_eq!((record.attempts, record.completions), (1, 1));
    }
}

pub async fn expired_lease_is_re_leased_and_fences_the_old_holder(db: &TestDb) {
    let id = db.store.enqueue(&task(3, T0)).await.unwrap();
    let crashed = db.store.lease("crashed", 1_000, T0).await.unwrap().unwrap();

    assert!(
        db.store
            .lease("w2", LEASE_MS, T0.plus_millis(999))
            .await
            .unwrap()
            .is_none()
    );
    let after_expiry = T0.plus_millis(1_000);
    let retaken = db
        .store
        .lease("w2", LEASE_MS, after_expiry)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retaken.id, id);
    assert_eq!(retaken.attempt, 2);
    assert_ne!(retaken.lease.token, crashed.lease.token);

    for err in [
        db.store
            .complete(&crashed.lease, after_expiry)
            .await
            .unwrap_err(),
        db.store
            .heartbeat(&crashed.lease, LEASE_MS, after_expiry)
            .await
            .unwrap_err(),
        db.store
            .release(&crashed.lease, after_expiry)
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::LeaseLost { .. }), "{err:?}");
    }
    let err = db
        .store
        .fail(
            &crashed.lease,
            "late",
            true,
            &RetryPolicy::default(),
            after_expiry,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err:?}");

    db.store
        .complete(&retaken.lease, after_expiry)
        .await
        .unwrap();
    let record = db.store.task(id).await.unwrap().unwrap();
    assert_eq!(record.state, TaskState::Done);
    assert_eq!((record.attempts, record.completions), (2, 1));
}

pub async fn expired_last_attempt_is_dead_lettered(db: &TestDb) {
    let last = db.store.enqueue(&task(1, T0)).await.unwrap();
    // Due after the crashed holder's lease expires, so the expired lease is looked at first.
    let next = db
        .store
        .enqueue(&task(3, T0.plus_millis(2_000)))
        .await
        .unwrap();
    let crashed = db.store.lease("crashed", 1_000, T0).await.unwrap().unwrap();
    assert_eq!(crashed.id, last);

    // The one lease call dead-letters the spent task and goes on to lease `next`.
    let now = T0.plus_millis(5_000);
    let leased = db.store.lease("w2", LEASE_MS, now).await.unwrap().unwrap();
    assert_eq!(leased.id, next);
    let dead = db.store.task(last).await.unwrap().unwrap();
    assert_eq!(dead.state, TaskState::Dead);
    assert_eq!(dead.attempts, 1);
    let error = dead.last_error.unwrap();
    assert!(error.contains("lease expired on attempt 1 of 1"), "{error}");
    assert!(error.contains("crashed"), "{error}");
    assert!(db.store.lease("w2", LEASE_MS, now).await.unwrap().is_none());
    let err = db.store.complete(&crashed.lease, now).await.unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err:?}");
}

pub async fn failure_backs_off_then_dead_letters(db: &TestDb) {
    let policy = RetryPolicy {
        base_delay_ms: 1_000,
        max_delay_ms: 60_000,
    };
    let id = db.store.enqueue(&task(3, T0)).await.unwrap();

    let mut now = T0;
    for attempt in 1..=2 {
        let leased = db.store.lease("w", LEASE_MS, now).await.unwrap().unwrap();
        assert_eq!(leased.attempt, attempt);
        let outcome = db
            .store
            .fail(&leased.lease, "model outage", true, &policy, now)
            .await
            .unwrap();
        // Equal jitter: between half and all of base * 2^(attempt - 1).
        let nominal = 1_000 * (1 << (attempt - 1));
        let FailOutcome::RetryAt(retry_at) = outcome else {
            panic!("attempt {attempt} of 3 was dead-lettered");
        };
        let delay = retry_at.millis() - now.millis();
        assert!(
            (nominal / 2..=nominal).contains(&delay),
            "attempt {attempt}: delay {delay} outside [{}, {nominal}]",
            nominal / 2
        );
        let record = db.store.task(id).await.unwrap().unwrap();
        assert_eq!(record.state, TaskState::Queued);
        assert_eq!(record.run_at, retry_at);
        assert_eq!(record.last_error.as_deref(), Some("model outage"));
        // Not before its time.
        let just_before = retry_at.plus_millis(-1);
        assert!(
            db.store
                .lease("w", LEASE_MS, just_before)
                .await
                .unwrap()
                .is_none()
        );
        now = retry_at;
    }

    let leased = db.store.lease("w", LEASE_MS, now).await.unwrap().unwrap();
    assert_eq!(leased.attempt, 3);
    let outcome = db
        .store
        .fail(&leased.lease, "still down", true, &policy, now)
        .await
        .unwrap();
    assert_eq!(outcome, FailOutcome::DeadLettered);
    let record = db.store.task(id).await.unwrap().unwrap();
    assert_eq!(record.state, TaskState::Dead);
    assert_eq!(record.attempts, 3);
    assert_eq!(record.last_error.as_deref(), Some("still down"));
    let far_future = now.plus_millis(3_600_000);
    assert!(
        db.store
            .lease("w", LEASE_MS, far_future)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn non_retryable_failure_dead_letters_at_once(db: &TestDb) {
    let id = db.store.enqueue(&task(5, T0)).await.unwrap();
    let leased = db.store.lease("w", LEASE_MS, T0).await.unwrap().unwrap();
    let outcome = db
        .store
        .fail(
            &leased.lease,
            "invalid repo config",
            false,
            &RetryPolicy::default(),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(outcome, FailOutcome::DeadLettered);
    let record = db.store.task(id).await.unwrap().unwrap();
    assert_eq!(record.state, TaskState::Dead);
    assert_eq!(record.attempts, 1);
    assert_eq!(db.store.queue_depth().await.unwrap().dead, 1);
}

pub async fn release_does_not_count_the_attempt(db: &TestDb) {
    let id = db.store.enqueue(&task(1, T0)).await.unwrap();
    let first = db.store.lease("w", LEASE_MS, T0).await.unwrap().unwrap();
    let now = T0.plus_millis(100);
    db.store.release(&first.lease, now).await.unwrap();
    let record = db.store.task(id).await.unwrap().unwrap();
    assert_eq!(record.state, TaskState::Queued);
    assert_eq!((record.attempts, record.run_at), (0, now));

    // Due at once, and still on its first (and only) attempt.
    let second = db.store.lease("w", LEASE_MS, now).await.unwrap().unwrap();
    assert_eq!(second.id, id);
    assert_eq!(second.attempt, 1);
    assert_ne!(second.lease.token, first.lease.token);
    let err = db.store.complete(&first.lease, now).await.unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err:?}");
    db.store.complete(&second.lease, now).await.unwrap();
}

pub async fn cancel_task_stops_queued_and_leased_tasks(db: &TestDb) {
    let queued = db.store.enqueue(&task(3, T0)).await.unwrap();
    let leased_id = db.store.enqueue(&task(3, T0.plus_millis(1))).await.unwrap();
    let done = db.store.enqueue(&task(3, T0.plus_millis(2))).await.unwrap();

    let now = T0.plus_millis(10);
    assert!(db.store.cancel_task(queued, now).await.unwrap());
    let leased = db.store.lease("w", LEASE_MS, now).await.unwrap().unwrap();
    assert_eq!(leased.id, leased_id);
    let finished = db.store.lease("w", LEASE_MS, now).await.unwrap().unwrap();
    db.store.complete(&finished.lease, now).await.unwrap();

    assert!(db.store.cancel_task(leased_id, now).await.unwrap());
    assert!(!db.store.cancel_task(done, now).await.unwrap());
    assert!(!db.store.cancel_task(queued, now).await.unwrap());

    let err = db
        .store
        .heartbeat(&leased.lease, LEASE_MS, now)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err:?}");
    let err = db.store.complete(&leased.lease, now).await.unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err:?}");
    for (id, state) in [
        (queued, TaskState::Cancelled),
        (leased_id, TaskState::Cancelled),
        (done, TaskState::Done),
    ] {
        assert_eq!(db.store.task(id).await.unwrap().unwrap().state, state);
    }
    // Cancelled tasks never come back, not even after the old lease would have expired.
    let far_future = now.plus_millis(10 * LEASE_MS);
    assert!(
        db.store
            .lease("w", LEASE_MS, far_future)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn queue_depth_counts_each_state(db: &TestDb) {
    assert_eq!(db.store.queue_depth().await.unwrap(), QueueDepth::default());
    for i in 0..4 {
        db.store.enqueue(&task(1, T0.plus_millis(i))).await.unwrap();
    }
    db.store
        .enqueue(&task(1, T0.plus_millis(60_000)))
        .await
        .unwrap();
    let leased = db.store.lease("w", LEASE_MS, T0).await.unwrap().unwrap();
    let failed = db
        .store
        .lease("w", LEASE_MS, T0.plus_millis(1))
        .await
        .unwrap()
        .unwrap();
    db.store
        .fail(&failed.lease, "boom", false, &RetryPolicy::default(), T0)
        .await
        .unwrap();
    let finished = db
        .store
        .lease("w", LEASE_MS, T0.plus_millis(2))
        .await
        .unwrap()
        .unwrap();
    db.store.complete(&finished.lease, T0).await.unwrap();

    assert_eq!(
        db.store.queue_depth().await.unwrap(),
        QueueDepth {
            queued: 2,
            leased: 1,
            dead: 1,
        }
    );
    db.store.complete(&leased.lease, T0).await.unwrap();
    assert_eq!(db.store.queue_depth().await.unwrap().leased, 0);
}

/// A worker's hand-off: the finished task is done and the next due one is leased to the same
/// worker, in one write; with nothing due it just completes.
pub async fn complete_and_lease_hands_off_to_the_next_task(db: &TestDb) {
    let first = db.store.enqueue(&task(3, T0)).await.unwrap();
    let second = db.store.enqueue(&task(3, T0.plus_millis(1))).await.unwrap();
    let now = T0.plus_millis(10);

    let leased = db.store.lease("w1", LEASE_MS, now).await.unwrap().unwrap();
    assert_eq!(leased.id, first);
    let handoff = db
        .store
        .complete_and_lease(&leased.lease, "w1", LEASE_MS, now)
        .await
        .unwrap();
    assert!(handoff.completed);
    let next = handoff.next.unwrap();
    assert_eq!(next.id, second);
    assert_eq!(next.attempt, 1);
    let done = db.store.task(first).await.unwrap().unwrap();
    assert_eq!((done.state, done.completions), (TaskState::Done, 1));
    assert_eq!(
        db.store.task(second).await.unwrap().unwrap().state,
        TaskState::Leased
    );

    let last = db
        .store
        .complete_and_lease(&next.lease, "w1", LEASE_MS, now)
        .await
        .unwrap();
    assert!(last.completed);
    assert!(last.next.is_none());
    let depth = db.store.queue_depth().await.unwrap();
    assert_eq!((depth.queued, depth.leased), (0, 0));
}

/// A lost lease is reported, not completed, and does not stop the next lease; a task whose
/// own lease has lapsed is completed, never handed back to the same worker.
pub async fn complete_and_lease_reports_a_lost_lease_and_skips_the_finished_task(db: &TestDb) {
    let cancelled = db.store.enqueue(&task(3, T0)).await.unwrap();
    let waiting = db.store.enqueue(&task(3, T0.plus_millis(1))).await.unwrap();
    let leased = db.store.lease("w1", LEASE_MS, T0).await.unwrap().unwrap();
    assert_eq!(leased.id, cancelled);
    assert!(db.store.cancel_task(cancelled, T0).await.unwrap());

    let handoff = db
        .store
        .complete_and_lease(&leased.lease, "w1", LEASE_MS, T0.plus_millis(2))
        .await
        .unwrap();
    assert!(!handoff.completed);
    let next = handoff.next.unwrap();
    assert_eq!(next.id, waiting);
    let record = db.store.task(cancelled).await.unwrap().unwrap();
    assert_eq!(
        (record.state, record.completions),
        (TaskState::Cancelled, 0)
    );

    // `waiting`'s lease lapses while it is worked on; finishing it completes it (its token
    // still matches) and leases the next due task, not `waiting` again, even though its
    // lapsed lease makes it look due before that task.
    let third = db
        .store
        .enqueue(&task(3, T0.plus_millis(LEASE_MS + 10_000)))
        .await
        .unwrap();
    let late = T0.plus_millis(LEASE_MS * 2);
    let handoff = db
        .store
        .complete_and_lease(&next.lease, "w1", LEASE_MS, late)
        .await
        .unwrap();
    assert!(handoff.completed);
    assert_eq!(handoff.next.unwrap().id, third);
    let record = db.store.task(waiting).await.unwrap().unwrap();
    assert_eq!((record.state, record.completions), (TaskState::Done, 1));
}

use crate::harness::{T0, TestDb, fix_delivery, task};
use std::time::Instant;

async fn queue_throughput(db: &TestDb, n: usize, workers: usize) {
    let start = Instant::now();
    let mut hs = Vec::new();
    for w in 0..workers {
        let store = db.store.clone();
        hs.push(tokio::spawn(async move {
            for i in 0..n / workers {
                store
                    .enqueue(&task(3, T0.plus_millis((i * workers + w) as i64)))
                    .await
                    .unwrap();
                if let Some(l) = store
                    .lease("w", 30_000, T0.plus_millis(1_000_000))
                    .await
                    .unwrap()
                {
                    store.complete(&l.lease, T0).await.unwrap();
                }
            }
        }));
    }
    for h in hs {
        h.await.unwrap();
    }
    while let Some(l) = db
        .store
        .lease("w", 30_000, T0.plus_millis(1_000_000))
        .await
        .unwrap()
    {
        db.store.complete(&l.lease, T0).await.unwrap();
    }
    assert_eq!(db.store.queue_depth().await.unwrap().queued, 0);
    let el = start.elapsed();
    println!(
        "{} tasks in {:?}: {:.0} tasks/s",
        n,
        el,
        n as f64 / el.as_secs_f64()
    );
}

async fn intake_latency(db: &TestDb, n: usize) {
    let mut lat = Vec::new();
    for i in 0..n {
        let d = fix_delivery(
            &format!("d-{i}"),
            1 + (i as i64 % 5),
            T0.plus_millis(i as i64),
        );
        let s = Instant::now();
        db.store.record_delivery(&d).await.unwrap();
        lat.push(s.elapsed());
    }
    let mut sorted = lat.clone();
    sorted.sort();
    println!(
        "intake p50 {:?} p90 {:?} p99 {:?} max {:?}",
        sorted[n / 2],
        sorted[n * 9 / 10],
        sorted[n * 99 / 100],
        sorted[n - 1]
    );
    let slow: Vec<usize> = lat
        .iter()
        .enumerate()
        .filter(|(_, d)| d.as_millis() > 5)
        .map(|(i, _)| i)
        .collect();
    println!("slow at {:?}", slow);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore]
async fn scratch_pg() {
    let mut db = TestDb::postgres().await;
    queue_throughput(&db, 8000, 16).await;
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    db.raw_execute(&format!(
        "ALTER DATABASE {name} SET synchronous_commit = off"
    ))
    .await
    .unwrap();
    db.store = redgreen_store::Store::connect(&db.url).await.unwrap();
    println!("async commit:");
    queue_throughput(&db, 8000, 16).await;
    intake_latency(&db, 1000).await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore]
async fn scratch_sqlite() {
    let db = TestDb::sqlite().await;
    queue_throughput(&db, 8000, 8).await;
    intake_latency(&db, 2000).await;
    db.finish().await;
}

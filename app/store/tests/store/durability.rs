//! SQLite's commit durability is chosen on the URL: FULL by default, `?synchronous=normal`
//! on request, anything else refused before a file is touched.

use redgreen_store::{Scope, Store, StoreError};

use crate::harness::{T0, ignored_delivery};

#[tokio::test]
async fn normal_durability_is_taken_from_the_url_and_the_store_works() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?synchronous=normal",
        dir.path().join("redgreen.db").display()
    );
    let store = Store::connect(&url).await.unwrap();
    store
        .record_delivery(&ignored_delivery("d-1", Some(1), T0))
        .await
        .unwrap();
    assert_eq!(
        store
            .list_deliveries(Scope::System, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_unknown_durability_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redgreen.db");
    let url = format!("sqlite://{}?synchronous=sometimes", path.display());
    let error = Store::connect(&url).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::InvalidUrl { reason } if reason.contains("sometimes")),
        "{error}"
    );
    assert!(!error.is_retryable());
    assert!(!path.exists());
}

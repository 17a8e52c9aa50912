//! The doctor's issue record: one per installation, repository and branch, the first one
//! kept, and invisible to other tenants.

use redgreen_core::InstallationId;

use crate::harness::{T0, TestDb};

pub async fn the_first_doctor_issue_is_kept_per_repository_and_branch(db: &TestDb) {
    let (one, two) = (InstallationId(1), InstallationId(2));
    let store = &db.store;
    assert_eq!(
        store
            .doctor_issue(one, "octo/widgets", "main")
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .record_doctor_issue(one, "octo/widgets", "main", 17, T0)
            .await
            .unwrap()
    );
    // A second record for the same key changes nothing: the first issue stays the one.
    assert!(
        !store
            .record_doctor_issue(one, "octo/widgets", "main", 18, T0)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .doctor_issue(one, "octo/widgets", "main")
            .await
            .unwrap(),
        Some(17)
    );
    // Another branch, repository or tenant is another key.
    assert_eq!(
        store
            .doctor_issue(one, "octo/widgets", "develop")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .doctor_issue(one, "octo/gadgets", "main")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .doctor_issue(two, "octo/widgets", "main")
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .record_doctor_issue(two, "octo/widgets", "main", 3, T0)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .doctor_issue(two, "octo/widgets", "main")
            .await
            .unwrap(),
        Some(3)
    );
    assert_eq!(
        store
            .doctor_issue(one, "octo/widgets", "main")
            .await
            .unwrap(),
        Some(17)
    );
}

//! ADR placement and numbering (PRODUCT.md): configured folder, then the first existing of
//! docs/decisions, docs/adr, doc/adr, adr, else docs/decisions; copy the numbering style.

use redgreen_recommend::{NumberingStyle, adr_location, slug};

fn files(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

#[test]
fn the_configured_folder_wins() {
    let repo = files(&["docs/adr/0001-a.md", "architecture/decisions/0003-x.md"]);
    let place = adr_location(&repo, Some("./architecture/decisions/\n"));
    assert_eq!(place.dir, "architecture/decisions");
    assert_eq!(place.number, Some(4));
    assert_eq!(
        place.adr_file("stack", "2026-11-23"),
        "architecture/decisions/0004-stack.md"
    );
    assert_eq!(
        place.spec_file("stack", "2026-11-23"),
        "architecture/decisions/0004-stack.infrastructure.json"
    );
}

#[test]
fn existing_folders_are_tried_in_order_then_the_default() {
    let both = files(&["adr/0001-a.md", "doc/adr/0001-b.md"]);
    assert_eq!(adr_location(&both, None).dir, "doc/adr");
    let decisions = files(&["docs/decisions/README.md", "adr/0009-z.md"]);
    assert_eq!(adr_location(&decisions, None).dir, "docs/decisions");
    let none = files(&["src/main.rs"]);
    let place = adr_location(&none, None);
    assert_eq!(place.dir, "docs/decisions");
    assert_eq!(
        place.adr_file("stack", "2026-11-23"),
        "docs/decisions/0001-stack.md"
    );
    // A configured path that escapes the repository is ignored.
    assert_eq!(adr_location(&none, Some("../etc")).dir, "docs/decisions");
}

#[test]
fn the_numbering_style_in_use_is_copied() {
    let prefixed = files(&[
        "docs/adr/ADR-001-first.md",
        "docs/adr/ADR-002-second.md",
        "docs/adr/README.md",
    ]);
    let place = adr_location(&prefixed, None);
    assert_eq!(
        place.style,
        NumberingStyle::Numbered {
            prefix: "ADR-".into(),
            width: 3,
            separator: '-'
        }
    );
    assert_eq!(place.file_name("stack", "2026-11-23"), "ADR-003-stack.md");

    let dated = files(&["adr/2024-01-05-first.md", "adr/2025-03-01-second.md"]);
    assert_eq!(
        adr_location(&dated, None).file_name("stack", "2026-11-23"),
        "2026-11-23-stack.md"
    );

    let plain = files(&["adr/use-postgres.md", "adr/use-rust.md"]);
    assert_eq!(
        adr_location(&plain, None).file_name("stack", "2026-11-23"),
        "stack.md"
    );

    let madr = files(&[
        "docs/decisions/0001-a.md",
        "docs/decisions/0012-b.md",
        "docs/decisions/sub/0099-x.md",
    ]);
    assert_eq!(
        adr_location(&madr, None).file_name("stack", "2026-11-23"),
        "0013-stack.md"
    );
}

#[test]
fn slugs_are_short_and_safe() {
    assert_eq!(
        slug("Stack for the Orders API (v2)!"),
        "stack-for-the-orders-api-v2"
    );
    assert_eq!(slug("¡¿"), "stack");
    assert!(slug(&"x".repeat(200)).len() <= 60);
}

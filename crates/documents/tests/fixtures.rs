#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[test]
fn fixtures_are_valid_guides() {
    for g in common::all() {
        assert_eq!(g.validate(), vec![], "{}", g.name);
    }
}

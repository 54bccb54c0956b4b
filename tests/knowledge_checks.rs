//! The build's checks of `xo_versions` and `fixed_in` (build/knowledge.rs, compiled here as the
//! build compiles it): a malformed bound fails the build with a message that says what is wrong,
//! and a well-formed one gives the xo-server bounds the signature carries.

#[allow(dead_code)]
#[path = "../build/knowledge.rs"]
mod knowledge;

use knowledge::{xo_server_fixing, xo_server_range, XoRelease};

fn releases() -> Vec<XoRelease> {
    // A few rows of data/xo_releases.json.
    [("6.1.2", "5.196.3"), ("6.2.0", "5.197.2"), ("6.2.1", "5.197.3"), ("6.4.1", "5.200.1"), ("6.5.0", "5.202.1")]
        .into_iter()
        .map(|(release, xo_server)| XoRelease { release: release.to_string(), date: "2026-01-01".to_string(), xo_server: xo_server.to_string() })
        .collect()
}

fn range(xo_versions: &str, fixed_in: &str) -> (Option<String>, Option<String>) {
    xo_server_range(Some(xo_versions), Some(fixed_in), &releases(), "signature KI999")
}

#[test]
fn an_upper_bound_alone_is_the_fix_s_xo_server() {
    assert_eq!(range("<6.5.0", "Xen Orchestra 6.5.0"), (None, Some("5.202.1".to_string())));
    assert_eq!(xo_server_range(None, Some("Xen Orchestra 6.5.0"), &releases(), "signature KI999"), (None, None));
}

#[test]
fn a_lower_bound_is_the_xo_server_of_the_last_release_before_it() {
    assert_eq!(range(">=6.2.0 <6.5.0", "Xen Orchestra 6.5.0"), (Some("5.196.3".to_string()), Some("5.202.1".to_string())));
    // A release without a row of its own (6.3.0 here) counts from the last row before it.
    assert_eq!(range(">=6.3.0 <6.5.0", "Xen Orchestra 6.5.0"), (Some("5.197.3".to_string()), Some("5.202.1".to_string())));
}

#[test]
#[should_panic(expected = "signature KI999: xo_versions \">6.2.0 <6.5.0\"")]
fn a_lower_bound_without_its_operator_fails() {
    range(">6.2.0 <6.5.0", "Xen Orchestra 6.5.0");
}

#[test]
#[should_panic(expected = "\"6.2\" is not a release X.Y.Z")]
fn a_lower_bound_that_is_not_a_release_fails() {
    range(">=6.2 <6.5.0", "Xen Orchestra 6.5.0");
}

#[test]
#[should_panic(expected = "is not before the one that fixed it")]
fn a_lower_bound_at_or_after_the_fix_fails() {
    range(">=6.5.0 <6.5.0", "Xen Orchestra 6.5.0");
}

#[test]
#[should_panic(expected = "no release before 5.1.0")]
fn a_lower_bound_older_than_the_table_fails() {
    range(">=5.1.0 <6.5.0", "Xen Orchestra 6.5.0");
}

#[test]
#[should_panic(expected = "xo_versions is \"<X.Y.Z\"")]
fn bounds_in_the_wrong_order_fail() {
    range("<6.5.0 >=6.2.0", "Xen Orchestra 6.5.0");
}

#[test]
#[should_panic(expected = "xo_versions is \"<X.Y.Z\"")]
fn three_bounds_fail() {
    range(">=6.1.0 >=6.2.0 <6.5.0", "Xen Orchestra 6.5.0");
}

#[test]
#[should_panic(expected = "must name the same release")]
fn an_upper_bound_other_than_the_fix_fails() {
    range(">=6.2.0 <6.4.1", "Xen Orchestra 6.5.0");
}

#[test]
#[should_panic(expected = "a fix in a plug-in (xo-server-sdn-controller 1.0.9) is not bounded by xo-server's version")]
fn a_plug_in_s_fix_takes_no_xo_versions() {
    range("<6.5.0", "xo-server-sdn-controller 1.0.9");
}

#[test]
fn a_plug_in_s_fix_gives_no_xo_server() {
    assert_eq!(xo_server_fixing("xo-server-sdn-controller 1.0.9 (Xen Orchestra 5.95.2)", &releases(), "signature KI999"), None);
    assert_eq!(xo_server_fixing("Xen Orchestra 6.2.0", &releases(), "signature KI999"), Some("5.197.2".to_string()));
    assert_eq!(xo_server_fixing("xo-server 5.34.0", &releases(), "signature KI999"), Some("5.34.0".to_string()));
}

#[test]
#[should_panic(expected = "a plug-in's fix is \"xo-server-<plug-in> X.Y.Z\"")]
fn a_plug_in_s_fix_without_its_version_fails() {
    xo_server_fixing("xo-server-sdn-controller, Xen Orchestra 5.95.2", &releases(), "signature KI999");
}

/// data/xo_releases.json as scripts/xo-releases.mjs writes it from the changelogs: each release's
/// own xo-server. A heading the script does not read merges that release's packages into the
/// release above it (5.93.1's date is written `2024.04-10`, and 5.94.0 took its xo-server 5.140.1,
/// so a fix of 5.94.0 counted as present in 5.140.1).
#[test]
fn every_release_keeps_its_own_xo_server() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/xo_releases.json")).expect("data/xo_releases.json");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).expect("a JSON array");
    let server_of = |release: &str| rows.iter().find(|r| r["release"] == release).and_then(|r| r["xoServer"].as_str()).map(str::to_string);
    assert_eq!(server_of("5.93.1").as_deref(), Some("5.140.1"));
    assert_eq!(server_of("5.94.0").as_deref(), Some("5.142.1"));
    // The table only rises (5.69.1 and 5.69.2 both list xo-server 5.90.2: equal is fine).
    let triple = |v: &str| v.split('.').map(|n| n.parse::<u32>().unwrap_or(0)).collect::<Vec<_>>();
    for pair in rows.windows(2) {
        let (a, b) = (pair[0]["xoServer"].as_str().unwrap_or(""), pair[1]["xoServer"].as_str().unwrap_or(""));
        assert!(triple(a) <= triple(b), "xo-server {a} of {} is above {b} of {}", pair[0]["release"], pair[1]["release"]);
    }
}

//! RULES.md and the TypeScript union of rule ids are generated from the registry. RULES.md (over
//! 2 MiB: every rule with an example diagnosis) is not committed: this test writes it on every run.
//! The rule-id union ships in the package and is committed: the test fails when it is stale.
//! Regenerate it with `UPDATE_DOCS=1 cargo test --test docs`.

use std::path::Path;

fn check(path: &str, expected: String) {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&full, &expected).expect("writing the generated file");
        return;
    }
    let actual = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(
        actual == expected,
        "{path} is stale: regenerate it with `UPDATE_DOCS=1 cargo test --test docs` and commit it"
    );
}

#[test]
fn rules_md_is_written() {
    let md = xapi_doctor::docs::rules_markdown();
    for rule in xapi_doctor::list_rules() {
        assert!(md.contains(&format!("\n## {}\n", rule.id)), "RULES.md lacks {}", rule.id);
    }
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("RULES.md");
    std::fs::write(&full, md).expect("writing RULES.md");
}

#[test]
fn rule_ids_dts_is_fresh() {
    check("pkg/rule-ids.d.ts", xapi_doctor::docs::rule_ids_dts());
}

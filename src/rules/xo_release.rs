//! A failure seen on a Xen Orchestra far behind the current release. Xen Orchestra ships about
//! once a month, most releases with backup fixes, and its maintainers' first question about a
//! failing job is whether it happens on the latest release: a failure met on an xo-server a
//! year old may be a bug fixed since. The xo-server version comes from
//! `options.context.xoServerVersion` (the xo-server plugin passes its own) or from the text
//! (`xo-server 5.124.0`, the About page); its release and date from data/xo_releases.json.
//! Information only, and only beside a failure: it never outranks what the input shows.

use std::borrow::Cow;

use super::signatures::{version_triple, xo_server_in_text};
use super::{Facts, Matcher, Rule, RuleInfo};
use crate::model::{Category, Confidence, Evidence, Finding, Severity, Subject};
use crate::options::Options;

include!(concat!(env!("OUT_DIR"), "/xo_releases_data.rs"));

/// How far behind the newest release known an xo-server must be to be named outdated.
const MONTHS_BEHIND: u32 = 6;

pub static XO020: RuleInfo = RuleInfo {
    id: "XO020",
    name: "xen-orchestra-outdated",
    title: "Xen Orchestra is far behind the current release",
    category: Category::XapiVersion,
    severity: Severity::Info,
    trigger: "a failure, and an xo-server (`options.context.xoServerVersion`, or `xo-server X.Y.Z` in the input) \
              released at least six months before the newest Xen Orchestra release data/xo_releases.json knows",
    description: "Xen Orchestra releases monthly, most releases with backup fixes: a failure met on an xo-server \
                  that old may be a bug fixed since, so update before digging further.",
    example: r#"{"input": "Error: all targets have failed, step: writer.beforeBackup()", "options": {"context": {"xoServerVersion": "5.50.0"}}}"#,
};

pub static RULES: &[Rule] = &[Rule { info: &XO020, matcher: Matcher::External }];

/// XO020 for `text` (when the input was read as text) or the caller's xo-server, if it is
/// [`MONTHS_BEHIND`] or more behind the newest release known.
pub fn outdated(text: Option<&str>, options: &Options) -> Option<Finding> {
    let (version, from_text): (Cow<str>, bool) = match options.context.xo_server_version.as_deref() {
        Some(v) => (v.into(), false),
        None => (xo_server_in_text(text?)?.into(), true),
    };
    let key = version_triple(&version)?;
    let key_of = |&(a, b, c, _): &(u8, u16, u16, u16)| (u32::from(a), u32::from(b), u32::from(c));
    // The newest xo-server of the table at or below this one (a build between two releases);
    // one newer than the table's last is newer than anything the table could say.
    let row = XO_SERVER_MONTHS.get(XO_SERVER_MONTHS.partition_point(|r| key_of(r) <= key).checked_sub(1)?)?;
    if XO_SERVER_MONTHS.last().is_some_and(|last| key > key_of(last)) {
        return None;
    }
    let (newest, newest_date) = NEWEST_RELEASE;
    let behind = month_of(newest_date)?.checked_sub(u32::from(row.3))?;
    if behind < MONTHS_BEHIND {
        return None;
    }
    let (year, month) = (row.3 / 12, row.3 % 12 + 1);
    let mut f = Finding::of(&XO020, &Facts::new(&Subject::default(), options));
    f.confidence = Confidence::Medium;
    f.priority = 0;
    f.summary = format!(
        "xo-server {version} came with a Xen Orchestra release of {year}-{month:02}, {behind} months before {newest} \
         ({newest_date}), the newest release this diagnosis knows"
    )
    .into();
    f.cause = "Xen Orchestra publishes a release about every month, and most carry backup and storage fixes; a failure \
               met on a release that old may be a bug fixed since, which is why its maintainers ask for the latest \
               release before looking further."
        .into();
    f.step("Update Xen Orchestra (XOA: Settings, Updates; built from the sources: pull, rebuild and restart xo-server), then run the job again.");
    f.step("If it fails the same way on the current release, the other findings here still hold: follow them.");
    if from_text {
        f.evidence.push(Evidence::owned(format!("xo-server {version}")));
    }
    Some(f)
}

/// A YYYY-MM-DD date's month, counted as the table counts them (year × 12 + month − 1).
fn month_of(date: &str) -> Option<u32> {
    let year: u32 = date.get(..4)?.parse().ok()?;
    let month: u32 = date.get(5..7)?.parse().ok()?;
    Some(year * 12 + month.checked_sub(1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_counted_from_dates() {
        assert_eq!(month_of("2026-07-01").zip(month_of("2025-01-31")).map(|(a, b)| a - b), Some(18));
        assert_eq!(month_of("bad"), None);
        assert_eq!(month_of("2026-00-01"), None);
    }

    #[test]
    fn the_table_is_sorted_and_ends_with_the_newest_release() {
        assert!(XO_SERVER_MONTHS.windows(2).all(|w| (w[0].0, w[0].1, w[0].2) < (w[1].0, w[1].1, w[1].2)));
        let last = XO_SERVER_MONTHS.last().expect("a table");
        assert!(Some(u32::from(last.3)) <= month_of(NEWEST_RELEASE.1), "{last:?} {NEWEST_RELEASE:?}");
    }
}

//! The links a finding shows, checked without the network (the audit of each address is
//! tests/corpus/AUDIT_2026-12-06-links.md): every signature's `links` and the rules' shared
//! `rules::links`. Their form (https, no tracking parameter, a label that is not a bare
//! `owner/repo#N`), no address of a place known to be gone, GitHub addresses of a known repository
//! and of a well-formed pull request, issue, commit or file, a label naming the pull request, issue
//! or commit it links, and documentation anchors (docs.xen-orchestra.com, docs.xcp-ng.org,
//! xapi-project.github.io) that exist in the committed snapshot of the pages' headings
//! (tests/fixtures/links/doc_anchors.txt).

use std::collections::BTreeSet;
use xapi_doctor::rules::{links, signatures};

/// (where it is used, label, address)
fn every_link() -> Vec<(String, &'static str, &'static str)> {
    let mut all: Vec<(String, &'static str, &'static str)> =
        links::ALL.iter().map(|&(title, url)| ("rules::links".to_string(), title, url)).collect();
    for s in signatures::all() {
        for &(title, url) in s.links {
            all.push((s.info.id.to_string(), title, url));
        }
    }
    all
}

/// Places that no longer lead anywhere: a link there must be replaced (the audit names the
/// successors: docs.xenserver.com for docs.citrix.com's XenServer pages, the fix commits for the
/// closed XenServer tracker, docs.xen-orchestra.com for xen-orchestra.com/docs).
const GONE: &[&str] = &[
    "bugs.xenserver.org",
    "support.citrix.com/article/",
    "docs.citrix.com/en-us/xenserver/",
    "docs.citrix.com/en-us/citrix-hypervisor/",
    "docs.citrix.com/en-us/xencenter/",
    "xen-orchestra.com/docs/",
];

/// Hosts a link may point to; a new one is a deliberate addition here, after checking it.
const HOSTS: &[&str] = &[
    "github.com",
    "docs.xen-orchestra.com",
    "xen-orchestra.com",
    "docs.xcp-ng.org",
    "xcp-ng.org",
    "docs.xenserver.com",
    // Citrix knowledge-base articles (hotfix notes) under /external/article/<n>/…: the current form of the
    // addresses; the old /article/CTX… ones are listed as gone above
    "support.citrix.com",
    "xapi-project.github.io",
];

/// GitHub repositories links point to, each checked in the audit.
const REPOSITORIES: &[&str] = &[
    "apache/cloudstack",
    "aws/aws-sdk-js-v3",
    "eriklax/xva-img",
    "rposudnevskiy/RBDSR",
    "vatesfr/xen-orchestra",
    "xapi-project/blktap",
    "xapi-project/sm",
    "xapi-project/vhd-tool",
    "xapi-project/xcp-networkd",
    "xapi-project/xen-api",
    "xapi-project/xenopsd",
    // blktap: its SPECS/blktap.spec changelog, pinned (checked with the search tool's read_file, stop 47)
    "xcp-ng-rpms/blktap",
    "xcp-ng-rpms/sm",
    "xcp-ng-rpms/vhd-tool",
    "xcp-ng-rpms/xapi",
    "xcp-ng/sm",
    "xcp-ng/uefistored",
    "xcp-ng/xcp",
    "xcp-ng/xcp-ng-xapi-plugins",
    "xenserver/terraform-provider-xenserver",
];

fn host_and_path(url: &str) -> (&str, &str) {
    let rest = url.strip_prefix("https://").unwrap_or(url);
    rest.split_once('/').unwrap_or((rest, ""))
}

#[test]
fn every_link_is_https_without_tracking_and_names_what_it_gives() {
    for (id, title, url) in every_link() {
        assert!(url.starts_with("https://"), "{id}: {url} is not https");
        assert!(!url.contains(char::is_whitespace), "{id}: {url:?} has a space");
        for tracking in ["utm_", "lang-switch", "?_=", "&_=", "fbclid", "gclid", "ref=", "source="] {
            assert!(!url.contains(tracking), "{id}: {url} carries a tracking parameter ({tracking})");
        }
        let title = title.trim();
        assert!(title.len() >= 12, "{id}: the label {title:?} says too little of what the reader gets");
        assert!(!title.starts_with("http"), "{id}: the label is an address");
        // `owner/repo#123` or `Forum thread` alone: say what it is (the report, the fix…).
        let bare_ref = title.split_once('#').is_some_and(|(repo, n)| {
            repo.contains('/') && !repo.contains(' ') && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
        });
        assert!(!bare_ref, "{id}: the label {title:?} is a bare reference; say what the reader gets");
        assert_ne!(title, "Forum thread", "{id}: say what the thread is");
    }
}

#[test]
fn no_link_points_to_a_place_known_to_be_gone() {
    for (id, _, url) in every_link() {
        for gone in GONE {
            assert!(!url.contains(gone), "{id}: {url} is under {gone}, which no longer leads anywhere");
        }
        let (host, _) = host_and_path(url);
        assert!(HOSTS.contains(&host), "{id}: {url}: the host {host} is not one the audit checked");
    }
}

#[test]
fn github_links_are_well_formed_and_of_a_known_repository() {
    for (id, _, url) in every_link() {
        let (host, path) = host_and_path(url);
        if host != "github.com" {
            continue;
        }
        let parts: Vec<&str> = path.split('/').collect();
        assert!(parts.len() >= 4, "{id}: {url} names no pull request, issue, commit or file");
        let repo = format!("{}/{}", parts[0], parts[1]);
        assert!(REPOSITORIES.contains(&repo.as_str()), "{id}: {url}: {repo} is not among the repositories the audit checked");
        match parts[2] {
            "pull" | "issues" => assert!(
                parts.len() == 4 && !parts[3].is_empty() && parts[3].bytes().all(|b| b.is_ascii_digit()),
                "{id}: {url} is not a plain pull request or issue address"
            ),
            "commit" => assert!(
                parts.len() == 4 && (7..=40).contains(&parts[3].len()) && parts[3].bytes().all(|b| b.is_ascii_hexdigit()),
                "{id}: {url} is not a commit address"
            ),
            // A file: pinned to a commit, since a branch's files get renumbered or removed.
            "blob" | "tree" => assert!(
                parts.len() >= 5 && parts[3].len() == 40 && parts[3].bytes().all(|b| b.is_ascii_hexdigit()),
                "{id}: {url} names a file on a branch; pin it to a commit"
            ),
            other => panic!("{id}: {url}: GitHub {other} addresses are not expected"),
        }
        assert!(!url.contains('#'), "{id}: {url} has an anchor GitHub does not keep");
    }
}

/// The first token after `word ` in `title` that `keep` accepts: `pull request 7920` → `7920`.
fn after<'a>(title: &'a str, word: &str, keep: fn(&str) -> bool) -> Option<&'a str> {
    title.match_indices(word).find_map(|(at, _)| {
        let token = title[at + word.len()..].split(|c: char| !c.is_ascii_alphanumeric()).next()?;
        (!token.is_empty() && keep(token)).then_some(token)
    })
}

fn digits(t: &str) -> bool {
    t.bytes().all(|b| b.is_ascii_digit())
}

fn hex(t: &str) -> bool {
    t.len() >= 7 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn a_label_that_names_a_pull_request_or_commit_names_the_one_it_links() {
    for (id, title, url) in every_link() {
        if let Some(n) = after(title, "pull request ", digits) {
            assert!(url.ends_with(&format!("/pull/{n}")), "{id}: the label names pull request {n}, the link is {url}");
        }
        if let Some(sha) = after(title, "commit ", hex) {
            let linked = url.split("/commit/").nth(1).or_else(|| url.split("/blob/").nth(1)).unwrap_or("");
            assert!(linked.starts_with(sha), "{id}: the label names commit {sha}, the link is {url}");
        }
        if url.contains("/issues/") {
            if let Some(n) = after(title, "issue ", digits) {
                assert!(url.ends_with(&format!("/issues/{n}")), "{id}: the label names issue {n}, the link is {url}");
            }
        }
    }
}

#[test]
fn documentation_anchors_exist() {
    let snapshot = include_str!("fixtures/links/doc_anchors.txt");
    let known: BTreeSet<&str> = snapshot.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
    for (id, _, url) in every_link() {
        let (host, _) = host_and_path(url);
        if !matches!(host, "docs.xen-orchestra.com" | "docs.xcp-ng.org" | "xapi-project.github.io") {
            continue;
        }
        assert!(
            known.contains(url),
            "{id}: {url} is not in tests/fixtures/links/doc_anchors.txt: check the page and anchor in the site's sources and add it"
        );
    }
}

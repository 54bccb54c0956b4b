use super::*;

#[test]
fn rule_ids_are_unique_and_well_formed() {
    let mut ids: Vec<&str> = registry().map(|r| r.info.id).collect();
    let names: Vec<&str> = registry().map(|r| r.info.name).collect();
    for id in &ids {
        let (prefix, digits) = id.split_at(2);
        assert!(prefix.bytes().all(|b| b.is_ascii_uppercase()), "{id}");
        assert!(digits.len() >= 3 && digits.bytes().all(|b| b.is_ascii_digit()), "{id}");
    }
    for name in &names {
        assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{name}");
    }
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "duplicate rule id");
    let mut names = names;
    names.sort_unstable();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate rule name");
}

#[test]
fn every_rule_documents_itself() {
    for i in crate::list_rules() {
        assert!(!i.title.is_empty() && !i.trigger.is_empty() && !i.description.is_empty() && !i.example.is_empty(), "{}", i.id);
    }
}

#[test]
fn find_uuid_needs_a_whole_uuid() {
    assert_eq!(find_uuid("VDI 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12 locked"), Some("8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12"));
    assert_eq!(find_uuid("8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a1"), None);
    assert_eq!(find_uuid("a8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12"), None);
    assert_eq!(find_uuid(""), None);
}

#[test]
fn human_bytes_reads_well() {
    assert_eq!(human_bytes(900), "900 B");
    assert_eq!(human_bytes(21_474_836_480), "20.0 GiB");
    assert_eq!(human_bytes(32_233_226_240), "30.0 GiB");
    assert_eq!(human_bytes(u64::MAX), "16.0 EiB");
}

#[test]
fn versions_parse() {
    assert_eq!(parse_version("6.1.0"), Some((6, 1)));
    assert_eq!(parse_version("XenServer 6.1"), Some((6, 1)));
    assert_eq!(parse_version("8.2.1-1"), Some((8, 2)));
    assert_eq!(parse_version("7"), Some((7, 0)));
    assert_eq!(parse_version("none"), None);
}

#[test]
fn sr_families() {
    assert_eq!(sr_family(Some("lvmoiscsi")), SrFamily::ThickLvm);
    assert_eq!(sr_family(Some("NFS")), SrFamily::ThinFile);
    assert_eq!(sr_family(Some("iso")), SrFamily::Other);
    assert_eq!(sr_family(None), SrFamily::Unknown);
}

#[test]
fn a_system_services_syslog_line_is_told_from_other_programs() {
    use super::codes::is_system_service_line;
    assert!(is_system_service_line("Dec  6 01:02:04 xcp-ng-1 logrotate: error: error writing to /var/log/messages.1: No space left on device"));
    assert!(is_system_service_line("Dec 16 03:10:01 xoa CROND[2211]: (root) error: ENOSPC: no space left on device, write"));
    assert!(is_system_service_line("2026-12-06T01:02:04.123456+00:00 xo systemd[1]: Failed to start xo-server.service."));
    // Xen Orchestra's own journal, a backup tool and a line without a syslog prefix are not
    assert!(!is_system_service_line("Dec  6 01:02:04 xo xo-server[811]: Error: ENOSPC: no space left on device, write"));
    assert!(!is_system_service_line("Dec  6 01:02:04 nas rsync[4242]: write failed on \"/backup/x\": No space left on device (28)"));
    assert!(!is_system_service_line("logrotate: error: error writing to /var/log/messages.1: No space left on device"));
    assert!(!is_system_service_line(""));
}

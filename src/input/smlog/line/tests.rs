use super::*;

fn msg(p: &LineParts) -> String {
    String::from_utf8_lossy(p.msg).into_owned()
}

#[test]
fn classic_syslog_line() {
    let p = parse(b"Jan 14 02:00:02 xcp-host1 SM: [14502] Raising exception [44, There is insufficient space]");
    assert!(p.has_prefix);
    assert_eq!(p.time, b"Jan 14 02:00:02");
    assert_eq!(p.host, b"xcp-host1");
    assert_eq!(p.tag, Tag::Sm);
    assert_eq!(p.pid, Some(14502));
    assert_eq!(msg(&p), "Raising exception [44, There is insufficient space]");
}

#[test]
fn space_padded_day_and_gc_tag() {
    let p = parse(b"Mar  2 19:22:31 r620-q2 SMGC: [29353] SR 4659 ('LVM-local-SR') (6 VDIs in 5 VHD trees):");
    assert_eq!(p.tag, Tag::Smgc);
    assert_eq!(p.pid, Some(29353));
    assert_eq!(p.time, b"Mar  2 19:22:31");
    assert_eq!(msg(&p), "SR 4659 ('LVM-local-SR') (6 VDIs in 5 VHD trees):");
    // A single space before a one-digit day is accepted too.
    assert!(parse(b"Mar 2 19:22:31 h SM: [1] x").has_prefix);
}

#[test]
fn empty_message_of_a_trailing_newline() {
    let p = parse(b"Jan 14 03:12:08 xcp-host1 SMGC: [23831] ");
    assert_eq!(p.pid, Some(23831));
    assert!(p.msg.is_empty());
    let p = parse(b"Jan 14 03:12:08 xcp-host1 SMGC: [23831]");
    assert_eq!(p.pid, Some(23831));
    assert!(p.msg.is_empty());
}

#[test]
fn rfc3339_prefix() {
    let p = parse(b"2024-01-05T03:12:07.123456+01:00 xcp-host1 SMGC: [23831] No work, exiting");
    assert_eq!(p.time_kind, Some(TimeKind::Rfc3339));
    assert_eq!(p.pid, Some(23831));
    assert_eq!(msg(&p), "No work, exiting");
    let t = LogTime::from_parts(p.time, p.time_kind).unwrap();
    // 2024-01-05T02:12:07.123Z
    assert_eq!(t.unix_ms, Some(1_704_420_727_123));
    assert_eq!(t.second_of_year, Some(4 * 86_400 + 3 * 3600 + 12 * 60 + 7));
}

#[test]
fn other_local2_writers_carry_the_pid_in_the_tag() {
    let p = parse(b"Jan 14 03:12:08 xcp-host1 fairlock[1873]: /run/fairlock/devicemapper acquired");
    assert_eq!(p.tag, Tag::Other);
    assert_eq!(p.pid, Some(1873));
    assert_eq!(msg(&p), "/run/fairlock/devicemapper acquired");
}

#[test]
fn pasted_fragments() {
    let p = parse(b"> Jan 14 02:00:02 xcp-host1 SM: [14502] Raising exception [44, There is insufficient space]");
    assert!(p.has_prefix);
    assert_eq!(p.pid, Some(14502));
    let p = parse(b">> > Jan 14 02:00:02 xcp-host1 SM: [14502] x");
    assert_eq!(p.pid, Some(14502));
    let p = parse(b"/var/log/SMlog.1:Jan 14 02:00:02 xcp-host1 SM: [14502] x");
    assert_eq!(p.pid, Some(14502));
    let p = parse(b"SMlog:1234:Jan 14 02:00:02 xcp-host1 SM: [14502] x");
    assert_eq!(p.pid, Some(14502));
    let p = parse(b"1234-Jan 14 02:00:02 xcp-host1 SM: [14502] x");
    assert_eq!(p.pid, Some(14502));
    let p = parse(b"[14502] Raising exception [44, There is insufficient space]");
    assert!(!p.has_prefix);
    assert_eq!(p.pid, Some(14502));
    assert_eq!(msg(&p), "Raising exception [44, There is insufficient space]");
    let p = parse(b"Raising exception [44, There is insufficient space]");
    assert_eq!(p.pid, None);
    assert_eq!(msg(&p), "Raising exception [44, There is insufficient space]");
    let p = parse(b"[root@xcp-host1 ~]# grep -i exception /var/log/SMlog");
    assert!(!p.has_prefix);
    assert_eq!(p.pid, None);
    // Indented traceback lines keep their indentation.
    assert_eq!(msg(&parse(b"  File \"/opt/xensource/sm/SRCommand.py\", line 113, in run")), "  File \"/opt/xensource/sm/SRCommand.py\", line 113, in run");
}

#[test]
fn garbage_never_panics() {
    for line in [&b""[..], b"\xff\xfe", b"Jan", b"Jan 1", b"Jan 14 02:00:02", b"Jan 14 02:00:02 h", b"2024-01-05T", b"[", b"[99999999999999] x", b">>>>", b"1:", b"Jan 14 02:00:02 h SM: [", b"\r"] {
        let _ = parse(line);
    }
    assert_eq!(LogTime::from_parts(b"Xyz 99 99:99:99", Some(TimeKind::Syslog)).unwrap().second_of_year, None);
}

#[test]
fn syslog_second_of_year() {
    let t = LogTime::from_parts(b"Mar  1 00:00:01", Some(TimeKind::Syslog)).unwrap();
    assert_eq!(t.second_of_year, Some(59 * 86_400 + 1));
    assert_eq!(t.unix_ms, None);
    assert_eq!(t.text, "Mar  1 00:00:01");
}

#[test]
fn the_program_of_a_syslog_line() {
    assert_eq!(syslog_program(b"Dec  6 01:02:04 xcp-ng-1 logrotate: error: error writing"), Some(&b"logrotate"[..]));
    assert_eq!(syslog_program(b"Dec 16 03:10:01 xoa CROND[2211]: (root) CMD (run-parts)"), Some(&b"CROND"[..]));
    assert_eq!(syslog_program(b"2026-12-06T01:02:04.123456+00:00 xo systemd[1]: Started"), Some(&b"systemd"[..]));
    assert_eq!(syslog_program(b"Dec  6 01:02:04 host SM: [1234] lock"), Some(&b"SM"[..]));
    assert_eq!(syslog_program(b"logrotate: error: no prefix"), None);
    assert_eq!(syslog_program(b""), None);
}

/// Stop 44: a terminal's copy pads lines with blanks; the message ends where syslog ended it.
#[test]
fn trailing_blanks_of_a_terminal_copy() {
    let padded = b"Jan 14 02:00:01 h SM: [7] FAILED in util.pread: (rc 5) stdout: '', stderr: '  x'   \t ";
    assert_eq!(msg(&parse(padded)), "FAILED in util.pread: (rc 5) stdout: '', stderr: '  x'");
    let mut cache = HeaderCache::default();
    cache.parse(b"Jan 14 02:00:01 h SM: [7] first");
    assert_eq!(msg(&cache.parse(padded)), "FAILED in util.pread: (rc 5) stdout: '', stderr: '  x'");
    // A pasted line without its prefix, and a line of blanks only.
    assert_eq!(msg(&parse(b"Raising exception [44, There is insufficient space]  ")), "Raising exception [44, There is insufficient space]");
    assert_eq!(msg(&parse(b"    ")), "");
}

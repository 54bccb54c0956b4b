//! Inputs the fuzz targets (fuzz/) found to misbehave, minimised and inlined, so that the plain
//! `cargo test` suite keeps them fixed without cargo-fuzz. Each test names its target and says
//! what went wrong.

use xapi_doctor::{analyze_smlog, Options, SmlogScanner};

/// Streams `body` cut at `cuts` (byte offsets) and checks the report equals the whole input's.
fn streamed_equals_whole(body: &[u8], cuts: &[usize]) {
    let whole = analyze_smlog(body, &Options::default());
    let mut scanner = SmlogScanner::new(Options::default());
    let mut at = 0;
    for &cut in cuts.iter().chain(std::iter::once(&body.len())) {
        scanner.push(&body[at..cut]).expect("no limit on the stream");
        at = cut;
    }
    let streamed = scanner.finish().expect("first finish");
    assert_eq!(
        serde_json::to_string(&whole).expect("serialises"),
        serde_json::to_string(&streamed).expect("serialises"),
        "cuts at {cuts:?}"
    );
}

/// smlog_chunks: a long prefixed line followed by a two-byte line and an indented one. Whether
/// the short line continued the long one (a terminal wrap) was judged on its first four bytes,
/// read past its end into the next line when the whole input was in one chunk (`J\x8e\n ` looks
/// like `Mmm ` of a syslog prefix), but not when the chunk ended inside it: the whole input
/// counted 2 unparsed lines, the stream 1.
#[test]
fn smlog_wrap_detection_does_not_read_past_the_line() {
    let body = b"Jul  3 23:45:38 xcp-ng-03 S: [8851]     return seelf.params['uid\nJ\x8e\n  3\n";
    // The cuts the fuzzer chose, then every single cut.
    streamed_equals_whole(body, &[10, 17, 18, 29, 30, 41, 52, 57, 66]);
    for cut in 1..body.len() {
        streamed_equals_whole(body, &[cut]);
    }
    // The same with a valid character and with a digit-led line (`2024-` is the other prefix).
    streamed_equals_whole(b"Jul  3 23:45:38 xcp-ng-03 SM: [8851] lock: opening lock file /var/lock/sm/x\nJa\n  3\n", &[80]);
    streamed_equals_whole(b"Jul  3 23:45:38 xcp-ng-03 SM: [8851] lock: opening lock file /var/lock/sm/x\n202\n4-\n", &[79]);
}

/// smlog_chunks: a line ending in several `\r`. The scanner strips the line ending's `\r`; the
/// line parser stripped one more, but only on the paths a stream takes when a chunk ends inside
/// a line (the whole input's lines mostly go through the header cache, which did not), and a
/// group of wrapped lines gathered from earlier chunks had its pieces stripped twice as well.
/// The evidence text then depended on the chunking.
#[test]
fn smlog_trailing_carriage_returns_are_stripped_once_whatever_the_chunking() {
    let lines = b"Jul  3 23:47:50 xcp-ng-03 SM: [8866] lock: opening lock file /var/lock/sm/a/sr\r\n\
Jul  3 23:47:50 xcp-ng-03 SM: [8866] ***** LVHD over iSCSI: EXCEPTION <class 'xs_errors.SROSError'>, The VDI is\r\r\r\r\n\
Jul  3 23:47:50 xcp-ng-03 SM: [8866] lock: released /var/lock/sm/a/sr\r\n";
    for cut in 1..lines.len() {
        streamed_equals_whole(lines, &[cut]);
    }
    let wrapped = b"\nJul  3 23:47:50 xg-03 SM: [8866] ***** LV\x08overS: EXCEPTION <i\r\r\r\r\n<\n\n";
    streamed_equals_whole(wrapped, &[7, 13, 19, 60]);
    for cut in 1..wrapped.len() {
        streamed_equals_whole(wrapped, &[cut]);
    }
}

/// smlog_chunks: a pasted line with junk before its timestamp (` 23:Jul  3 23:46:21 xcp M:`).
/// The header cache, which lets the next line skip parsing a `time host ` it has just seen,
/// stored the line's first bytes as if the timestamp started there; the next line with the same
/// first bytes then took garbage for its header and counted as a log line. A stream that cut
/// that next line parsed it without the cache, as a fragment: the counts differed.
#[test]
fn smlog_header_cache_only_reuses_a_header_at_the_start_of_the_line() {
    let body = b" 23:Jul  3 23:46:21 xcp M:\n 23:Jul  3 23:46:21 0:\n\n";
    streamed_equals_whole(body, &[28]);
    for cut in 1..body.len() {
        streamed_equals_whole(body, &[cut]);
    }
    let whole = analyze_smlog(body, &Options::default());
    assert_eq!(whole.stats.unparsed_lines, 1, "the second line is a fragment, not a log line");
}

/// diagnose_text (found by CI's short pass): a garbage-collector tree-dump header whose SR name
/// is cut short, `SR 5b1c (') (26 VDIs in 1 VHD trees):`. The name's closing `') (` was searched
/// from the opening ` ('`, where the two overlap, and the name was sliced backwards: a panic,
/// which in WebAssembly would have trapped the instance.
#[test]
fn smlog_tree_dump_with_an_empty_overlapping_sr_name() {
    let text = "Jan 14 03:12:08 xcp-host1 SMGC: [23831] SR 5b1c (') (26 VDIs in 1 VHD trees): \n\
                Jan 14 03:12:08 xcp-host1 SMGC: [23831]         *8341e744[VHD](20.000G//8.613G|n)\n";
    let report = analyze_smlog(text.as_bytes(), &Options::default());
    assert_eq!(report.stats.lines, 2);
    let named = "Jan 14 03:12:08 xcp-host1 SMGC: [23831] SR 5b1c ('Local storage') (26 VDIs in 1 VHD trees): \n";
    analyze_smlog(named.as_bytes(), &Options::default());
    let diagnosis = xapi_doctor::diagnose_text(text, &Options::default()).expect("a diagnosis");
    assert_eq!(diagnosis.kind, xapi_doctor::InputKind::Smlog);
}

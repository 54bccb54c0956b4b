//! Pathological input at modest sizes: each case runs at two sizes, n and 8n, and the larger
//! must not take more than 30 times as long (linear: 8; quadratic: 64), so every shape that once
//! was quadratic stays linear. The big sizes (100 MB line, a million lines, JSON a million deep,
//! 100,000-node chains…) run through the WebAssembly package in `tests/big/pathological.mjs`,
//! which also measures memory.
//!
//! Timings are the fastest of three runs; a case gets up to five attempts and keeps each size's
//! fastest time over them. The assertion is loose enough for a loaded CI machine and a debug
//! build.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use xapi_doctor::{
    analyze_smlog, check_vdi_chains, diagnose_bytes, diagnose_json, diagnose_text, plan_snapshot_space, ChainOptions, Options,
    SmlogScanner,
};

fn fastest<T>(mut f: impl FnMut() -> T) -> Duration {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Runs `case` on inputs of size `n` and `8n` and checks the time grows at most ~linearly.
fn linear<I>(name: &str, n: usize, build: impl Fn(usize) -> I, run: impl Fn(&I)) {
    // The test harness runs the cases on parallel threads; timed side by side they slow each
    // other unevenly (the big input of one case against the small one of another), so the
    // measurements take turns. A case that panicked poisons nothing worth keeping.
    static TURN: Mutex<()> = Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let small = build(n);
    let big = build(8 * n);
    // A busy machine can stall a measurement, so each size keeps its fastest time over all the
    // attempts: a stall has to hit every run of one size to fail the case, while a quadratic
    // shape stays near ×64 however often it runs.
    let (mut t1, mut t8) = (Duration::MAX, Duration::MAX);
    let mut ratios = Vec::new();
    for _ in 0..5 {
        t1 = t1.min(fastest(|| run(&small)));
        t8 = t8.min(fastest(|| run(&big)));
        // Below a millisecond the ratio is noise: compare with at least 1 ms.
        let ratio = t8.as_secs_f64() / t1.as_secs_f64().max(0.001);
        eprintln!("{name}: n={n} {t1:?}, 8n {t8:?} (×{ratio:.1})");
        // Linear work is ×8; quadratic ×64. A large input also leaves the caches and faults in
        // fresh pages, which a loaded machine pays dearly: `A_B(` repeated (stop 46) ran ×27–38
        // at load 5–8 while callgrind counted ×8.8 its instructions (25 M → 220 M).
        if ratio < 40.0 {
            return;
        }
        ratios.push(format!("{ratio:.1}× ({t1:?} → {t8:?})"));
    }
    panic!("{name}: 8× the input took {} the time in five attempts: not linear", ratios.join(", "));
}

fn text(s: &str) -> xapi_doctor::Diagnosis {
    diagnose_text(s, &Options::default()).expect("text is diagnosed")
}

// ---- free text and JSON errors -------------------------------------------------------------

#[test]
fn many_distinct_xapi_errors_in_free_text() {
    linear(
        "distinct SR_BACKEND_FAILURE_44(xN) lines",
        1000,
        |n| (0..n).map(|i| format!("SR_BACKEND_FAILURE_44(x{i}, There is insufficient space, )\n")).collect::<String>(),
        |t| {
            text(t);
        },
    );
}

#[test]
fn many_distinct_xo_messages_in_free_text() {
    linear(
        "distinct 'unhealthy VDI chain' lines",
        1000,
        |n| (0..n).map(|i| format!("Error: unhealthy VDI chain on disk {i}\n")).collect::<String>(),
        |t| {
            text(t);
        },
    );
}

fn xo_log(n: usize) -> String {
    let tasks: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":"t{i}","message":"backup VM","status":"failure","start":1,"data":{{"type":"VM","id":"vm{i}"}},"result":{{"message":"boom {i}","name":"Error","stack":"x"}}}}"#
            )
        })
        .collect();
    format!(r#"{{"message":"backup","jobId":"j","status":"failure","start":1,"tasks":[{}]}}"#, tasks.join(","))
}

#[test]
fn a_backup_log_with_many_failed_tasks() {
    linear("XO log with N failed VMs", 500, xo_log, |log| {
        diagnose_json(log, &Options::default()).expect("a log");
    });
}

#[test]
fn a_xapi_error_with_many_parameters() {
    linear(
        "['SR_BACKEND_FAILURE_44', p1 … pN]",
        5000,
        |n| serde_json::to_string(&std::iter::once("SR_BACKEND_FAILURE_44".to_string()).chain((0..n).map(|i| format!("p{i}"))).collect::<Vec<_>>()).unwrap_or_default(),
        |j| {
            diagnose_json(j, &Options::default()).expect("an error array");
        },
    );
}

#[test]
fn adversarial_single_lines_of_free_text() {
    for (name, unit) in [
        ("A_B( repeated", "A_B("),
        ("['A_B', repeated", "['A_B', "),
        ("upper-case tokens", "SR_BACKEND_FAILURE_44X ABC_DEF "),
        // Each code of a line once cloned the whole line as its evidence: n² bytes.
        ("known codes", "SR_BACKEND_FAILURE_44 "),
        ("distinct errors on one line", "VDI_IN_USE(x) VDI_IN_USE(y) SR_BACKEND_FAILURE_46(, a, b) "),
        ("unbalanced parens", "SR_BACKEND_FAILURE_44((("),
        ("quote marks", "> > > "),
        ("xml values", "ErrorDescription<value><value>"),
    ] {
        linear(name, 20_000, |n| unit.repeat(n), |t| {
            text(t);
        });
    }
}

#[test]
fn evidence_is_clipped_and_free_text_errors_are_bounded() {
    let long = format!("SR_BACKEND_FAILURE_44(, There is insufficient space, ) {}", "é".repeat(5000));
    let d = text(&long);
    let ev = &d.findings[0].evidence[0].text;
    assert!(ev.len() <= 1003 && ev.ends_with('\u{2026}'), "{} bytes", ev.len());
    let many: String = (0..xapi_doctor::input::xapi::MAX_TEXT_EVENTS + 10).map(|i| format!("VDI_IN_USE(d{i}, snapshot)\n")).collect();
    let d = diagnose_text(&many, &Options::from_json(r#"{"maxFindings": 100000}"#).expect("options")).expect("diagnosis");
    assert_eq!(d.findings.len(), xapi_doctor::input::xapi::MAX_TEXT_EVENTS);
    assert_eq!(d.findings_omitted, 10);
}

#[test]
fn findings_beyond_max_findings_are_counted_and_the_most_severe_kept() {
    let mut input: String = (0..50).map(|i| format!("VDI_IN_USE(OpaqueRef:d{i}, snapshot)\n")).collect();
    input.push_str("SR_BACKEND_FAILURE_44(, There is insufficient space, )\n");
    let all = text(&input);
    assert_eq!((all.findings.len(), all.findings_omitted), (51, 0));
    let five = diagnose_text(&input, &Options::from_json(r#"{"maxFindings": 5}"#).expect("options")).expect("diagnosis");
    assert_eq!(five.findings_omitted, 46);
    assert_eq!(five.findings, all.findings[..5].to_vec(), "the five first of the full ranking");
}

// ---- JSON nesting --------------------------------------------------------------------------

#[test]
fn json_nested_deeply_is_refused_quickly() {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = diagnose_json(&deep, &Options::default()).expect_err("too deep");
    assert_eq!(err.code(), "INVALID_JSON");
    assert!(err.to_string().contains("128 levels"), "{err}");
    // As text it is not JSON (too deep to parse): searched as text, nothing found.
    assert!(text(&deep).findings.is_empty());
    let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    assert!(diagnose_json(&deep_obj, &Options::default()).is_err());
    // Deep nesting inside a field the check does not read is skipped without recursion (a
    // million levels: no stack overflow); in a field it reads, it is refused.
    let million = format!("{}1{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
    let in_record = format!(r#"{{"VM":{{}},"VDI":{{"OpaqueRef:a":{{"uuid":"x","other":{million}}}}}}}"#);
    assert_eq!(check_vdi_chains(&in_record, &ChainOptions::default()).expect("skipped").stats.vdis, 1);
    let in_field = format!(r#"{{"VM":{{}},"VDI":{{"OpaqueRef:a":{{"uuid":"x","sm_config":{{"vhd-parent":{deep}}}}}}}}}"#);
    assert!(check_vdi_chains(&in_field, &ChainOptions::default()).is_ok_and(|r| r.stats.vdis == 1));
    let plan = format!(r#"{{"sr":{{"type":"lvm"}},"vdis":[{million}]}}"#);
    assert!(plan_snapshot_space(&plan).is_ok_and(|p| p.per_vdi.is_empty()), "a nest is not a VDI record");
    linear(
        "JSON nested N deep",
        20_000,
        |n| format!("{}1{}", "[".repeat(n), "]".repeat(n)),
        |d| {
            let _ = diagnose_text(d, &Options::default());
        },
    );
}

// ---- VDI chains ------------------------------------------------------------------------------

/// One VM whose N VBDs each hold a VDI on its own SR, all pointing to one missing parent.
fn wide_vm(n: usize) -> String {
    let mut vbd = Vec::new();
    let mut vdi = Vec::new();
    let mut refs = Vec::new();
    for i in 0..n {
        vbd.push(format!(r#""OpaqueRef:b{i}":{{"VM":"OpaqueRef:vm","VDI":"OpaqueRef:d{i}"}}"#));
        vdi.push(format!(
            r#""OpaqueRef:d{i}":{{"uuid":"u{i}","managed":true,"SR":"OpaqueRef:sr{i}","sm_config":{{"vhd-parent":"gone"}}}}"#
        ));
        refs.push(format!(r#""OpaqueRef:b{i}","OpaqueRef:b{i}""#));
    }
    format!(
        r#"{{"VM":{{"OpaqueRef:vm":{{"uuid":"vm","VBDs":[{}]}}}},"VBD":{{{}}},"VDI":{{{}}},"SR":{{}}}}"#,
        refs.join(","),
        vbd.join(","),
        vdi.join(",")
    )
}

/// A chain of N base copies under one disk, optionally closed into a loop.
fn long_chain(n: usize, cycle: bool) -> String {
    let mut vdis = Vec::new();
    for i in 0..n {
        let parent = if i + 1 < n {
            format!(r#","sm_config":{{"vhd-parent":"v{}"}}"#, i + 1)
        } else if cycle {
            r#","sm_config":{"vhd-parent":"v0"}"#.to_string()
        } else {
            String::new()
        };
        vdis.push(format!(r#""OpaqueRef:v{i}":{{"uuid":"v{i}","managed":{},"SR":"OpaqueRef:sr"{parent}}}"#, i == 0));
    }
    format!(
        r#"{{"VM":{{"OpaqueRef:vm":{{"uuid":"vm","VBDs":["OpaqueRef:b"]}}}},"VBD":{{"OpaqueRef:b":{{"VM":"OpaqueRef:vm","VDI":"OpaqueRef:v0"}}}},"VDI":{{{}}},"SR":{{"OpaqueRef:sr":{{"uuid":"sr","type":"lvm"}}}}}}"#,
        vdis.join(",")
    )
}

#[test]
fn a_vm_with_many_disks_under_one_missing_parent_across_many_srs() {
    linear("VM with N VBDs (each twice), missing parent over N SRs", 1000, wide_vm, |r| {
        let report = check_vdi_chains(r, &ChainOptions::default()).expect("records");
        assert_eq!(report.vms.first().map(|v| v.disks.len()), Some(report.stats.vdis as usize));
    });
}

#[test]
fn long_chains_and_loops() {
    for cycle in [false, true] {
        linear(if cycle { "N-node loop" } else { "N-node chain" }, 2000, |n| long_chain(n, cycle), |r| {
            let report = check_vdi_chains(r, &ChainOptions::default()).expect("records");
            let disk = &report.vms[0].disks[0];
            assert_eq!(disk.cycle, cycle);
            assert_eq!(disk.depth as u64, report.stats.vdis);
        });
    }
}

#[test]
fn records_are_bounded_by_max_records_and_cost_little_memory_each() {
    let empties = |n: usize| format!(r#"{{"VM":[],"VDI":[{}]}}"#, vec!["{}"; n].join(","));
    linear("N empty VDI records", 20_000, empties, |r| {
        check_vdi_chains(r, &ChainOptions::default()).expect("records");
    });
    let options = ChainOptions::from_json(r#"{"maxRecords": 1000}"#).expect("options");
    let err = check_vdi_chains(&empties(1001), &options).expect_err("too many records");
    assert_eq!(err.code(), "INPUT_TOO_LARGE");
    assert!(err.to_string().contains("more than 1000 records (options.maxRecords)"), "{err}");
    assert!(check_vdi_chains(&empties(1000), &options).is_ok());
    // diagnose applies the same limit to records it recognises: no chain report, no error.
    let d = diagnose_text(&format!(r#"{{"VM":[],"VBD":[],"VDI":[{}]}}"#, vec!["{}"; 20].join(",")), &Options::from_json(r#"{"maxRecords": 10}"#).expect("options"))
        .expect("diagnosis");
    assert!(d.chains.is_none());
    let err = check_vdi_chains(&empties(10), &ChainOptions::from_json(r#"{"maxInputBytes": 10}"#).expect("options")).expect_err("too big");
    assert_eq!(err.code(), "INPUT_TOO_LARGE");
}

#[test]
fn sizes_at_the_edges_do_not_overflow() {
    let vdi = |size: &str| format!(r#"{{"uuid":"d","managed":true,"virtual_size":{size},"physical_utilisation":{size}}}"#);
    for size in ["18446744073709551615", "\"18446744073709551615\"", "-1", "1e300", "0.5", "\"NaN\"", "9007199254740993", "0"] {
        let plan = format!(
            r#"{{"sr":{{"type":"lvm","physical_size":18446744073709551615,"physical_utilisation":{size}}},"vdis":[{},{}],"concurrency":2,"srVdis":[{},{}]}}"#,
            vdi(size),
            vdi(size),
            vdi(size),
            vdi(size)
        );
        let p = plan_snapshot_space(&plan).expect("a plan");
        serde_json::to_string(&p).expect("serialises");
        let records = format!(r#"{{"VM":[],"SR":[{{"type":"SR","uuid":"s","size":{size},"physical_usage":{size}}}],"VDI":[{}]}}"#, vdi(size));
        let r = check_vdi_chains(&records, &ChainOptions::default()).expect("records");
        serde_json::to_string(&r).expect("serialises");
    }
}

// ---- SMlog ------------------------------------------------------------------------------------

#[test]
fn one_huge_smlog_line() {
    linear(
        "one SMlog line of N KiB",
        256,
        |n| format!("Jan 14 02:00:02 h SM: [1] {}\n", "x".repeat(n * 1024)),
        |l| {
            let r = analyze_smlog(l.as_bytes(), &Options::default());
            assert_eq!(r.stats.lines, 1);
        },
    );
    // maxLineBytes: the rest of a longer line is ignored and counted.
    let line = format!("Jan 14 02:00:02 h SM: [1] Raising exception [44, {}]\n", "x".repeat(500));
    let r = analyze_smlog(line.as_bytes(), &Options::from_json(r#"{"maxLineBytes": 100}"#).expect("options"));
    assert_eq!(r.stats.truncated_lines, 1);
    assert_eq!(analyze_smlog(line.as_bytes(), &Options::default()).stats.truncated_lines, 0);
}

#[test]
fn a_million_short_lines_in_pieces() {
    linear(
        "N short SMlog lines",
        40_000,
        |n| "Jan 14 02:00:02 h SM: [1] x\n".repeat(n),
        |l| {
            analyze_smlog(l.as_bytes(), &Options::default());
        },
    );
}

#[test]
fn many_interleaved_processes_each_in_a_traceback() {
    linear(
        "N pids interleaved, each in a traceback",
        2000,
        |n| {
            let mut s = String::new();
            for round in 0..3 {
                for pid in 0..n {
                    let msg = if round == 0 { "***** generic exception: vdi_snapshot: EXCEPTION <class 'SR.SROSError'>, boom" } else { "  File \"/opt/xensource/sm/SRCommand.py\", line 110, in run" };
                    s.push_str(&format!("Jan 14 02:00:02 h SM: [{}] {msg}\n", 1000 + pid));
                }
            }
            s
        },
        |l| {
            analyze_smlog(l.as_bytes(), &Options::default());
        },
    );
}

#[test]
fn a_traceback_that_never_ends() {
    linear(
        "traceback of N lines",
        5000,
        |n| {
            let mut s = String::from("Jan 14 02:00:02 h SM: [1] Traceback (most recent call last):\n");
            for _ in 0..n {
                s.push_str("Jan 14 02:00:02 h SM: [1]   File \"/opt/xensource/sm/SRCommand.py\", line 110, in run\n");
            }
            s
        },
        |l| {
            analyze_smlog(l.as_bytes(), &Options::default());
        },
    );
}

#[test]
fn scanner_limits() {
    let mut s = SmlogScanner::new(Options::from_json(r#"{"maxInputBytes": 100}"#).expect("options"));
    s.push(&[b'x'; 60]).expect("within the limit");
    let err = s.push(&[b'x'; 60]).expect_err("beyond the limit");
    assert_eq!(err.code(), "INPUT_TOO_LARGE");
    s.push(b"\n").expect("still within the limit");
    assert_eq!(s.finish().expect("report").stats.bytes, 61);
}

#[test]
fn binary_garbage_is_harmless() {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    diagnose_bytes(&bytes, &Options::default()).expect("bytes are diagnosed");
    analyze_smlog(&bytes, &Options::default());
}

// ---- options ------------------------------------------------------------------------------------

#[test]
fn limits_take_whole_numbers_and_say_why_not() {
    for bad in [r#"{"maxInputBytes": -1}"#, r#"{"maxInputBytes": 1.5}"#, r#"{"maxFindings": "10"}"#, r#"{"maxLineBytes": true}"#, r#"{"maxRecords": [1]}"#] {
        let err = Options::from_json(bad).expect_err(bad);
        assert_eq!(err.code(), "INVALID_OPTIONS");
        assert!(err.to_string().contains("must be a whole number of at least 0"), "{bad}: {err}");
        assert!(ChainOptions::from_json(bad).is_err() || !bad.contains("Records") && !bad.contains("InputBytes"), "{bad}");
    }
    // JSON.stringify writes large numbers in exponent form; null is the default.
    let o = Options::from_json(r#"{"maxInputBytes": 1e21, "maxFindings": null, "maxLineBytes": 0}"#).expect("valid");
    assert_eq!(o.max_input_bytes(), u64::MAX);
    assert_eq!(o.max_findings(), 2000);
    assert_eq!(o.max_line_bytes(), 1);
    let err = diagnose_text("x".repeat(11).as_str(), &Options::from_json(r#"{"maxInputBytes": 10}"#).expect("valid")).expect_err("too large");
    assert_eq!(err.code(), "INPUT_TOO_LARGE");
}

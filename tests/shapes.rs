//! Shapes: does the knowledge fire whatever shape a message arrives in?
//!
//! Every rule whose example is a message (not JSON or XML, not SMlog, not a log excerpt whose
//! lines already carry timestamps, at most three lines) is wrapped in the shapes real text takes
//! when an administrator pastes it — a forum or e-mail quote, an indented or fenced block, CRLF
//! line endings, a Xen Orchestra backup log (JSON), a Xen Orchestra backup report (markdown), an
//! xo-server journal line, a xensource.log line, a syslog or ISO timestamp on each line, a long
//! line wrapped by a terminal at 80 columns — and diagnosed with the example's options. A shape
//! fires the rule when the rule's id is among the findings; it keeps the top when the top
//! finding is the one the bare example has on top.
//!
//! Each shape's layout is copied from real text of the corpus's development share (the file
//! names beside each shape below) or from the source of the program that writes it.
//!
//!     SHAPES_REPORT=1 cargo test --release --test shapes -- --nocapture
//!
//! prints the fire rate per shape and every rule that does not fire, with the shape; without
//! `SHAPES_REPORT` the test only checks that no shape misses more rules than it did
//! (`MAX_MISSES`). Log excerpts (several log lines, SMlog) are wrapped in the shapes that keep
//! their lines whole (`EXCERPT_SHAPE_NAMES`). tests/corpus/SHAPES_2026-12-06-o.md reads the report.

use xapi_doctor::{Diagnosis, InputKind, Options};

#[path = "shared/shapes.rs"]
mod shapes;

use shapes::{excerpt_shapes, starts_with_timestamp, Shape, SHAPES};

/// The most rules each shape may miss (those it should fire: not the signatures a structured
/// input rightly does not look for), as of the engine fixes of 2026-12-06
/// (tests/corpus/SHAPES_2026-12-06-o.md says which and why; the 80-column wrap is read since
/// tests/corpus/SHAPES_2026-12-06-real.md). A shape not listed misses none. A
/// new rule whose example stops firing in a shape fails here: make the engine read the shape, or
/// raise the figure with the reason in that file.
const MAX_MISSES: &[(&str, usize)] = &[
    ("XO backup log JSON", 2),
    ("XO task (REST API, XO 6) JSON", 2),
    // Stop 43: the same task printed by xo-cli's util.inspect misses exactly what its JSON misses.
    ("xo-cli print of a task (util.inspect)", 2),
    // TX000 (text nothing reads) is XO000 when the text is an error object's message, as in the task shapes.
    ("xo-cli print of a refused call (util.inspect)", 1),
    ("xensource.log #012", 3),
];

/// The same for log excerpts ([`EXCERPT_SHAPE_NAMES`]): the storage-manager rules read SMlog's
/// own lines (with ASCII quotes), and the SMlog reader is not widened for the shape.
const EXCERPT_MAX_MISSES: &[(&str, usize)] = &[
    ("typographic quotes", 16),
    // Stop 45: a log excerpt hard-wrapped at 80 columns (a mail's or a terminal's copy) lost 34 of
    // 510 examples, mostly SMlog `Raising exception` and traceback lines whose words the cut split;
    // the signatures now read an SMlog with its cut lines joined too (`scan_beside`), and the SMlog
    // reader joins a cut that fell before a word (one space: src/input/smlog/scanner.rs). Stop 46:
    // a cut before `[opterr=…]`, before a count (` 0 of resource`), inside a uuid whose piece looks
    // like a year (`9f0e-`) or before a capitalised word that is no month (`VHD trees)`) is joined
    // too. Left: SM020, the garbage collector's tree print, whose wide indentation the wrap turns
    // into lines of spaces.
    ("wrapped at 80", 1),
];

/// What an example is, for the shapes: a message (every shape), a log excerpt (several log
/// lines, an SMlog: the shapes that keep its lines as they are), or a structured input (none).
#[derive(PartialEq)]
enum Kind {
    Message,
    Excerpt,
}

/// The example's input text, its options, and what it is; `None` for a structured input
/// (JSON, XML, `{"input": {…}}`).
fn example_of(example: &str) -> Option<(String, String, Kind)> {
    let (input, options) = if example.starts_with("{\"input\"") {
        let v: serde_json::Value = serde_json::from_str(example).ok()?;
        (v["input"].as_str()?.to_string(), v["options"].to_string())
    } else {
        (example.to_string(), String::new())
    };
    let trimmed = input.trim();
    if trimmed.starts_with(['{', '[', '<', '"']) {
        return None;
    }
    let d = diagnose(&input, &options)?;
    let excerpt = trimmed.lines().filter(|l| !l.trim().is_empty()).count() > 3 || trimmed.lines().any(starts_with_timestamp) || d.kind == InputKind::Smlog;
    Some((input, options, if excerpt { Kind::Excerpt } else { Kind::Message }))
}

fn diagnose(input: &str, options: &str) -> Option<Diagnosis> {
    let options = if options.is_empty() || options == "null" { Options::default() } else { Options::from_json(options).ok()? };
    xapi_doctor::diagnose_text(input, &options).ok()
}

/// A signature not looked for in a structured input's events (`inputs` without "event").
fn text_only(id: &str) -> bool {
    use xapi_doctor::rules::signatures;
    signatures::all().iter().any(|s| s.info.id == id && s.inputs & signatures::INPUT_EVENT == 0)
}

struct Tally {
    /// Signatures rightly not looked for in this shape (see [`Shape::structured`]).
    text_only: usize,
    fires: usize,
    top: usize,
    missed: Vec<String>,
}

/// Each shape's tally over the examples of `kind`, and how many there were.
fn tally(kind: Kind, shapes: &[Shape]) -> (usize, Vec<Tally>) {
    let mut tallies: Vec<Tally> = shapes.iter().map(|_| Tally { text_only: 0, fires: 0, top: 0, missed: Vec::new() }).collect();
    let mut eligible = 0;
    for rule in xapi_doctor::list_rules() {
        let Some((text, options, k)) = example_of(rule.example) else { continue };
        if k != kind {
            continue;
        }
        let Some(base) = diagnose(&text, &options) else { continue };
        if !base.findings.iter().any(|f| f.rule == rule.id) {
            continue; // tests/rules.rs fails on it
        }
        eligible += 1;
        let base_top = base.findings.first().map(|f| f.rule);
        for (shape, tally) in shapes.iter().zip(tallies.iter_mut()) {
            let d = diagnose(&(shape.wrap)(&text), &options);
            let fires = d.as_ref().is_some_and(|d| d.findings.iter().any(|f| f.rule == rule.id));
            let top = d.as_ref().and_then(|d| d.findings.first()).map(|f| f.rule);
            if fires {
                tally.fires += 1;
                if top == base_top {
                    tally.top += 1;
                } else {
                    tally.missed.push(format!("{} (fires, top {})", rule.id, top.unwrap_or("none")));
                }
            } else if shape.structured && text_only(rule.id) {
                tally.text_only += 1;
            } else {
                tally.missed.push(format!("{} (top {})", rule.id, top.unwrap_or("none")));
            }
        }
    }
    (eligible, tallies)
}

fn print_table(title: &str, eligible: usize, shapes: &[Shape], tallies: &[Tally]) {
    println!("{title}: {eligible} rules\n");
    println!("| shape | fires | keeps the top | not looked for (text only) |\n| --- | ---: | ---: | ---: |");
    for (shape, t) in shapes.iter().zip(tallies) {
        let should = eligible - t.text_only;
        println!("| {} | {} / {should} | {} / {should} | {} |", shape.name, t.fires, t.top, t.text_only);
    }
    for (shape, t) in shapes.iter().zip(tallies) {
        if !t.missed.is_empty() {
            println!("\n{}: {}", shape.name, t.missed.join(", "));
        }
    }
    println!();
}

#[test]
fn messages_fire_in_every_shape() {
    let (eligible, tallies) = tally(Kind::Message, SHAPES);
    if std::env::var_os("SHAPES_REPORT").is_some() {
        print_table("Messages", eligible, SHAPES, &tallies);
    }
    check_misses(SHAPES, eligible, &tallies, MAX_MISSES);
}

#[test]
fn log_excerpts_fire_in_their_shapes() {
    let shapes = excerpt_shapes();
    let (eligible, tallies) = tally(Kind::Excerpt, &shapes);
    if std::env::var_os("SHAPES_REPORT").is_some() {
        print_table("Log excerpts", eligible, &shapes, &tallies);
    }
    check_misses(&shapes, eligible, &tallies, EXCERPT_MAX_MISSES);
}

fn check_misses(shapes: &[Shape], eligible: usize, tallies: &[Tally], allowed: &[(&str, usize)]) {
    let over: Vec<String> = shapes
        .iter()
        .zip(tallies)
        .filter_map(|(shape, t)| {
            let missed = eligible - t.text_only - t.fires;
            let max = allowed.iter().find(|(name, _)| *name == shape.name).map_or(0, |(_, n)| *n);
            (missed > max).then(|| format!("{}: {missed} missed (at most {max})", shape.name))
        })
        .collect();
    assert!(over.is_empty(), "shapes that miss more rules than before (SHAPES_REPORT=1 lists them): {over:?}");
}

// ---- The shapes of Xen Orchestra 6, the REST API and xo-cli (tests/corpus/SHAPES_2026-12-07-xo6-shapes.md)

/// `(rule, evidence, vm name, job name, task)` of a finding.
type Seen = (String, String, Option<String>, Option<String>, Option<String>);

/// [`Seen`] of each finding.
fn findings_with_subject(input: &str) -> Vec<Seen> {
    let d = diagnose(input, "").expect("diagnosis");
    d.findings
        .iter()
        .map(|f| {
            let ev = f.evidence.first().map(|e| e.text.to_string()).unwrap_or_default();
            (f.rule.to_string(), ev, f.subject.vm_name.clone(), f.subject.job_name.clone(), f.subject.task.clone())
        })
        .collect()
}

fn top_rule(input: &str) -> String {
    diagnose(input, "").and_then(|d| d.findings.first().map(|f| f.rule.to_string())).unwrap_or_default()
}

#[test]
fn a_backup_run_from_the_rest_api_names_its_tasks_vm_and_job() {
    // GET /rest/v0/tasks/<id> of a failed backup run: tasks named by `properties.name`.
    let run = include_str!("fixtures/xo-task-backup-run.json");
    let found = findings_with_subject(run);
    let snapshot = found.iter().find(|f| f.0 == "XA006").expect("VDI_IO_ERROR's rule");
    assert_eq!(snapshot.1, "backup run \u{203a} backup VM \u{203a} snapshot (failure): VDI_IO_ERROR(Device I/O errors)");
    assert_eq!((snapshot.2.as_deref(), snapshot.3.as_deref(), snapshot.4.as_deref()), (Some("web01"), Some("nightly-delta"), Some("snapshot")));
    let transfer = found.iter().find(|f| f.0 == "XO004").expect("ENOSPC's rule");
    assert_eq!((transfer.2.as_deref(), transfer.4.as_deref()), (Some("db01"), Some("transfer")));
    // The same findings on top as for the bare messages.
    assert_eq!(top_rule("VDI_IO_ERROR(Device I/O errors)"), "XA006");
    assert_eq!(top_rule("ENOSPC: no space left on device, write"), "XO004");
}

#[test]
fn a_failed_rest_api_action_is_read_as_its_error_with_the_task_name() {
    let task = include_str!("fixtures/xo-task-rest-snapshot.json");
    let d = diagnose(task, "").expect("diagnosis");
    let top = &d.findings[0];
    assert_eq!(top.rule, top_rule("SR_BACKEND_FAILURE_44(, There is insufficient space, )"));
    assert_eq!(top.subject.task.as_deref(), Some("REST API: snapshot VM"));
    assert_eq!(top.subject.vm_uuid.as_deref(), Some("f07ab729-c0e8-721c-45ec-f11276377030"));
    // `?ndjson=true`: one task a line, each read as the task it is.
    let one_line = |s: &str| serde_json::to_string(&serde_json::from_str::<serde_json::Value>(s).unwrap()).unwrap();
    let ndjson = format!("{}\n{}\n", one_line(task), one_line(include_str!("fixtures/xo-task-backup-run.json")));
    let tasks: Vec<_> = findings_with_subject(&ndjson).into_iter().filter_map(|f| f.4).collect();
    assert!(tasks.iter().any(|t| t == "REST API: snapshot VM") && tasks.iter().any(|t| t == "transfer"), "{tasks:?}");
}

#[test]
fn xo_cli_and_xo6_copies_of_an_error_read_as_the_bare_message() {
    let bare = top_rule("SR_BACKEND_FAILURE_44(, There is insufficient space, )");
    // xo-cli rest: the status line, then `✖ ` and the REST API's body.
    let cli = "500 Internal Server Error\n\u{2716} {\"error\":\"SR_BACKEND_FAILURE_44(, There is insufficient space, )\",\"info\":\"This is a XenServer/XCP-ng error, not an XO error\"}\n";
    let d = diagnose(cli, "").expect("diagnosis");
    assert_eq!((d.kind, d.findings[0].rule.to_string()), (InputKind::XapiError, bare.clone()));
    assert_eq!(top_rule("500 Internal Server Error\n\u{2716} {\"error\":\"Error: Parse Error\"}"), "XO005");
    // XO 6's copy of a backup log's error details: the stack as one JSON string.
    let copied = "\"Error: Parse Error\\n    at ClientRequest.<anonymous> (file:///opt/xo/node_modules/undici/lib/core/request.js:1:2)\"";
    let found = findings_with_subject(copied);
    assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("XO005", "Error: Parse Error"));
}

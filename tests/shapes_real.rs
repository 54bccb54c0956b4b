//! Shapes on real text: does a real case keep its reading whatever shape it is pasted in?
//!
//! tests/shapes.rs wraps every rule's example (text we wrote) in the shapes real text arrives in;
//! this test wraps the corpus's real cases in the same shapes (tests/shared/shapes.rs). Every
//! DEVELOPMENT case (held-out ones are skipped unread, by the scorer's rule: tests/shared/corpus.rs)
//! whose top category is right today — by the scorer's judgement: its top finding has the expected
//! category, or for a benign case nothing is reported at warning or above — is diagnosed, with its
//! `context:` header as options, in each shape that fits it:
//!
//! - a **message** (kinds `xapi`, `xo`, `text`; one to five non-blank lines; not JSON or XML; no
//!   line starting with a timestamp) gets every shape;
//! - anything else (a log excerpt, an SMlog, a JSON log, a longer text) gets the shapes that keep
//!   its lines whole (`EXCERPT_SHAPE_NAMES`).
//!
//! A shape *keeps the reading* when the scorer would still judge the case right, and *keeps the
//! top* when the top finding is still the same rule. A benign case is not put in a structured
//! shape (the XO backup log, whose task says `"status": "failure"`: a message there is a failure,
//! and Xen Orchestra's unrecognised error at error level is the right reading of it).
//!
//!     SHAPES_REPORT=1 cargo test --release --test shapes_real -- --nocapture
//!
//! prints the table per shape and every case a shape loses (with what it got instead). Without
//! `SHAPES_REPORT` the test checks that each shape keeps at least as many cases right as it did
//! (`FLOORS`, `EXCERPT_FLOORS`): a floor, not a ceiling of misses, so that adding a case never
//! fails it. `SHAPES_SHOW='<part of a case's file name>|<shape>'` also prints that case in that
//! shape and its findings. tests/corpus/SHAPES_2026-12-06-real.md reads the report.

#[path = "shared/corpus.rs"]
mod corpus;
#[path = "shared/shapes.rs"]
mod shapes;

use corpus::Case;
use shapes::{excerpt_shapes, starts_with_timestamp, Shape, SHAPES};
use xapi_doctor::{Diagnosis, Severity};

/// The fewest message-like cases each shape must keep right (as of tests/corpus/SHAPES_2026-12-06-real.md).
/// A shape not listed has no floor. An engine change that loses a real case in a shape fails
/// here: make the engine read the shape, or lower the figure with the reason in that file.
const FLOORS: &[(&str, usize)] = &[
    ("as is", 210),
    ("quoted `> `", 210),
    ("quoted `>> `", 210),
    ("indented 4", 210),
    ("``` fence", 210),
    ("CRLF", 210),
    ("XO backup log JSON", 186),
    ("XO backup log, cut", 201),
    ("xo-web API error copy", 209),
    ("XO backup report", 209),
    ("xo-server journal", 206),
    ("xo-server util.inspect", 206),
    ("xensource.log #012", 201),
    ("syslog prefix", 208),
    ("docker compose prefix", 206),
    ("ISO timestamp", 205),
    ("typographic quotes", 209),
    ("wrapped at 80", 210),
    // Stop 42 (tests/corpus/SHAPES_2026-12-07-xo6-shapes.md): the task manager's task (REST API, XO 6)
    // keeps as many as XO 5's backup log JSON; the REST body and XO 6's stack copy nearly all.
    ("XO task (REST API, XO 6) JSON", 190),
    ("REST API error body (xo-cli)", 214),
    ("XO 6 stack copy", 211),
    // Stop 43: xo-cli's default print of the same task (util.inspect) keeps what its JSON keeps.
    ("xo-cli print of a task (util.inspect)", 190),
    // A harmless line thrown as a refused call's error is a failed call (XO000): the 14 others are benign cases.
    ("xo-cli print of a refused call (util.inspect)", 200),
    // Stop 44: no-break spaces and zero-width breaks are made plain before anything reads the text
    // (input::plain_pasted_text); every case keeps its reading (214 of 214 that day).
    ("no-break spaces", 210),
    ("zero-width breaks", 210),
    // The SMlog reader drops blanks at a line's end (a terminal's copy): 214 of 214 that day.
    ("trailing blanks", 210),
    // Stop 45: grep's and cat -n's prefixes are taken off each line (input::without_line_prefixes):
    // 224, 222, 224 and 224 of 224 that day (before: 218, 219, 219, 219). `grep -n`'s two losses are
    // one-line messages: `1201:The user name is missing` alone may be the line's own text.
    ("grep over files", 215),
    ("grep -n", 215),
    ("grep -Hn", 215),
    ("cat -n", 215),
];

/// The same for the other cases in the shapes that keep their lines whole.
const EXCERPT_FLOORS: &[(&str, usize)] = &[
    ("as is", 373),
    ("quoted `> `", 373),
    ("quoted `>> `", 373),
    ("indented 4", 373),
    ("``` fence", 373),
    ("CRLF", 373),
    ("typographic quotes", 370),
    ("no-break spaces", 373),
    ("zero-width breaks", 373),
    ("trailing blanks", 373),
    // Stop 45: 396 of 396 in each (before: 393, 393, 392, 392).
    ("grep over files", 380),
    ("grep -n", 380),
    ("grep -Hn", 380),
    ("cat -n", 380),
    // Stop 45: a log excerpt cut at 80 columns (a terminal's or a mail's hard wrap) kept 388 of 396,
    // 392 once the signatures read an SMlog with its cut lines joined (SHAPES_REPORT=1 lists the rest).
    ("wrapped at 80", 380),
];

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Message,
    Excerpt,
}

/// What a case is, for the shapes.
fn kind_of(case: &Case) -> Kind {
    let body = case.body.trim();
    let lines = body.lines().filter(|l| !l.trim().is_empty()).count();
    let message = ["xapi", "xo", "text"].contains(&case.kind.as_str())
        && (1..=5).contains(&lines)
        && !body.starts_with(['{', '[', '<', '"'])
        && !body.lines().any(starts_with_timestamp);
    if message {
        Kind::Message
    } else {
        Kind::Excerpt
    }
}

/// The scorer's judgement of the top category (tests/corpus/score.mjs `judge`, `topOk`).
fn right(case: &Case, d: &Diagnosis) -> bool {
    if case.category == "benign" {
        d.findings.iter().all(|f| f.severity > Severity::Warning)
    } else {
        d.findings.first().is_some_and(|f| f.category.as_str() == case.category)
    }
}

fn got(d: Option<&Diagnosis>) -> String {
    match d.and_then(|d| d.findings.first()) {
        Some(f) => format!("{} ({} {:?})", f.category.as_str(), f.rule, f.severity),
        None if d.is_some() => "no finding".to_string(),
        None => "an error".to_string(),
    }
}

#[derive(Default)]
struct Tally {
    /// Benign cases not put in this shape (a structured shape that says the task failed).
    not_applicable: usize,
    right: usize,
    top: usize,
    lost: Vec<String>,
    moved: Vec<String>,
}

/// Each shape's tally over the development cases of `kind` that are right as they are, and how
/// many there were.
fn tally(cases: &[Case], kind: Kind, shapes: &[Shape]) -> (usize, Vec<Tally>) {
    let mut tallies: Vec<Tally> = shapes.iter().map(|_| Tally::default()).collect();
    let mut eligible = 0;
    // `SHAPES_SHOW='<part of a file name>|<shape>'` prints that case in that shape and its findings.
    let show = std::env::var("SHAPES_SHOW").ok().and_then(|v| v.split_once('|').map(|(f, s)| (f.to_string(), s.to_string())));
    for case in cases.iter().filter(|c| kind_of(c) == kind) {
        let options = case.options();
        let Ok(base) = xapi_doctor::diagnose_text(&case.body, &options) else { continue };
        if !right(case, &base) {
            continue; // a miss of the corpus: the scorer lists it
        }
        eligible += 1;
        let base_top = base.findings.first().map(|f| f.rule);
        for (shape, t) in shapes.iter().zip(tallies.iter_mut()) {
            if shape.structured && case.category == "benign" {
                t.not_applicable += 1;
                continue;
            }
            let text = (shape.wrap)(&case.body);
            let d = xapi_doctor::diagnose_text(&text, &options).ok();
            if show.as_ref().is_some_and(|(file, name)| case.file.contains(file.as_str()) && shape.name == name) {
                let findings: Vec<String> = d.iter().flat_map(|d| &d.findings).map(|f| format!("{} {} {:?}", f.rule, f.category.as_str(), f.severity)).collect();
                println!("--- {} in {}:\n{text}\n--- findings: {findings:?}", case.file, shape.name);
            }
            let top = d.as_ref().and_then(|d| d.findings.first()).map(|f| f.rule);
            if d.as_ref().is_some_and(|d| right(case, d)) {
                t.right += 1;
            } else {
                t.lost.push(format!("{}: {}", case.file, got(d.as_ref())));
            }
            if top == base_top {
                t.top += 1;
            } else {
                t.moved.push(format!("{}: {} → {}", case.file, base_top.unwrap_or("none"), top.unwrap_or("none")));
            }
        }
    }
    (eligible, tallies)
}

fn print_table(title: &str, eligible: usize, shapes: &[Shape], tallies: &[Tally]) {
    println!("{title}: {eligible} development cases right as they are\n");
    println!("| shape | keeps the right category | keeps the top rule |\n| --- | ---: | ---: |");
    for (shape, t) in shapes.iter().zip(tallies) {
        let n = eligible - t.not_applicable;
        let benign = if t.not_applicable > 0 { format!(" ({} benign cases not put in it)", t.not_applicable) } else { String::new() };
        println!("| {}{benign} | {} / {n} | {} / {n} |", shape.name, t.right, t.top);
    }
    for (shape, t) in shapes.iter().zip(tallies) {
        if !t.lost.is_empty() {
            println!("\n{} loses:\n  {}", shape.name, t.lost.join("\n  "));
        }
        let moved: Vec<&String> = t.moved.iter().filter(|m| !t.lost.iter().any(|l| l.split(": ").next() == m.split(": ").next())).collect();
        if !moved.is_empty() {
            println!("\n{} keeps the category, another top rule:\n  {}", shape.name, moved.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "));
        }
    }
    println!();
}

fn check_floors(shapes: &[Shape], tallies: &[Tally], floors: &[(&str, usize)]) {
    let under: Vec<String> = shapes
        .iter()
        .zip(tallies)
        .filter_map(|(shape, t)| {
            let floor = floors.iter().find(|(name, _)| *name == shape.name).map_or(0, |(_, n)| *n);
            (t.right < floor).then(|| format!("{}: {} right (at least {floor})", shape.name, t.right))
        })
        .collect();
    assert!(under.is_empty(), "shapes that keep fewer real cases right than before (SHAPES_REPORT=1 lists them): {under:?}");
}

#[test]
fn real_messages_keep_their_reading_in_every_shape() {
    let cases = corpus::development_cases();
    let (eligible, tallies) = tally(&cases, Kind::Message, SHAPES);
    if std::env::var_os("SHAPES_REPORT").is_some() {
        print_table("Messages", eligible, SHAPES, &tallies);
    }
    check_floors(SHAPES, &tallies, FLOORS);
}

#[test]
fn real_excerpts_keep_their_reading_in_their_shapes() {
    let cases = corpus::development_cases();
    let shapes = excerpt_shapes();
    let (eligible, tallies) = tally(&cases, Kind::Excerpt, &shapes);
    if std::env::var_os("SHAPES_REPORT").is_some() {
        print_table("Log excerpts and longer texts", eligible, &shapes, &tallies);
    }
    check_floors(&shapes, &tallies, EXCERPT_FLOORS);
}

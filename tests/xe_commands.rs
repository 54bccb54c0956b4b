//! Every `xe` command xapi-doctor tells a reader to run exists, gets its required parameters, and
//! names only parameters the command takes: checked against the CLI's own table
//! (data/xe_commands.json, written by scripts/xe-commands.mjs from xen-api's sources). The xe
//! CLI checks only that a command's required parameters are there (xapi_cli.ml
//! `check_required_keys`), so a misspelt optional one is left out without a word. The commands checked are those of the rendered findings of every rule's
//! example and of every corpus case, placeholders filled as a reader sees them, and those written
//! in the Rust rules' sources (a step no example renders).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use xapi_doctor::Options;

/// Parameters every command accepts (the CLI strips them before the command sees its own).
const EVERY_COMMAND: &[&str] = &["server", "password", "port", "username", "minimal", "force", "multiple", "all", "message-priority", "trace", "debug", "live", "internal"];
/// The CLI's two-word switches (`-s <server>`, `-pwf <password-file>`): the next token is their
/// value (xen-api ocaml/xe-cli/newcli.ml `parse_args`).
const SWITCHES_WITH_A_VALUE: &[&str] = &["-u", "-pw", "-pwf", "-s", "-h", "-p", "--traceparent"];
/// The client's switches without a value (`--nossl`, `--debug`; `-version` prints the protocol
/// and exits; `-help` lists the commands).
const SWITCHES: &[&str] = &["--nossl", "--debug", "-version", "-help", "--help"];
/// Commands of classes the current CLI no longer has, printed for the hosts that still do (VM
/// protection policies, XenServer 5.6–6.x, whose alerts only those hosts raise).
const OLDER_HOSTS_ONLY: &[&str] = &["vmpp-"];

struct Spec {
    reqd: Vec<String>,
    optn: Vec<String>,
    /// Fields the command also takes as parameters: a list's filters, `-param-set`'s fields, a
    /// selector command's selectors.
    fields: BTreeSet<String>,
    /// The class whose field `param-name=` names (the `-param-get` family).
    param_names_of: Option<String>,
}

/// A command of the table: its required and optional parameters, the classes whose selectors it takes.
struct Command {
    reqd: Vec<String>,
    optn: Vec<String>,
    selectors: Vec<String>,
}

/// A command cli_operations.ml generates for each class: its name's suffix, its required and
/// optional parameters, whether it takes the class's fields as parameters, whether its
/// `param-name=` names one of them.
struct Generated(&'static str, &'static [&'static str], &'static [&'static str], bool, bool);

const GENERATED: &[Generated] = &[
    Generated("-list", &[], &["params", "database:"], true, false),
    Generated("-param-list", &["uuid"], &["database:"], false, false),
    Generated("-param-get", &["uuid", "param-name"], &["param-key", "database:"], false, true),
    Generated("-param-set", &["uuid"], &[], true, false),
    Generated("-param-add", &["uuid", "param-name"], &["param-key"], false, true),
    Generated("-param-remove", &["uuid", "param-name", "param-key"], &[], false, true),
    Generated("-param-clear", &["uuid", "param-name"], &[], false, true),
];

struct Table {
    commands: BTreeMap<String, Command>,
    /// class → its fields
    classes: BTreeMap<String, BTreeSet<String>>,
}

fn table() -> Table {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/xe_commands.json")).expect("data/xe_commands.json");
    let v: Value = serde_json::from_str(&text).expect("xe_commands.json is JSON");
    let names = |v: &Value| -> Vec<String> { v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default() };
    let commands = v["commands"]
        .as_object()
        .expect("commands")
        .iter()
        .map(|(name, c)| (name.clone(), Command { reqd: names(&c["reqd"]), optn: names(&c["optn"]), selectors: names(&c["selectors"]) }))
        .collect();
    let classes = v["classes"].as_object().expect("classes").iter().map(|(c, f)| (c.clone(), names(f).into_iter().collect())).collect();
    Table { commands, classes }
}

impl Table {
    fn spec(&self, name: &str) -> Option<Spec> {
        let strings = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        if let Some(c) = self.commands.get(name) {
            let mut fields = BTreeSet::new();
            for s in &c.selectors {
                fields.insert(s.clone());
                fields.extend(self.classes.get(s).into_iter().flatten().cloned());
            }
            return Some(Spec { reqd: c.reqd.clone(), optn: c.optn.clone(), fields, param_names_of: None });
        }
        for &Generated(suffix, reqd, optn, takes_fields, names_a_field) in GENERATED {
            let Some(class) = name.strip_suffix(suffix) else { continue };
            let Some(fields) = self.classes.get(class) else { continue };
            return Some(Spec {
                reqd: strings(reqd),
                optn: strings(optn),
                fields: if takes_fields { fields.clone() } else { BTreeSet::new() },
                param_names_of: names_a_field.then(|| class.to_string()),
            });
        }
        None
    }
}

/// Splits a shell command into words and separators (`|`, `;`, `&&`, `$(`, `)`, a backquote, a
/// line end not escaped), keeping quoted strings as one word.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = command.chars().peekable();
    let push = |cur: &mut String, out: &mut Vec<String>| {
        if !cur.is_empty() {
            out.push(std::mem::take(cur));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    cur.push(q);
                }
            }
            '\\' if chars.peek() == Some(&'\n') => {
                chars.next();
            }
            ' ' | '\t' => push(&mut cur, &mut out),
            // A comment runs to the line's end.
            '#' if cur.is_empty() => {
                while chars.peek().is_some_and(|&n| n != '\n') {
                    chars.next();
                }
            }
            '|' | ';' | '&' | '(' | ')' | '`' | '\n' => {
                push(&mut cur, &mut out);
                out.push("|".into());
            }
            '$' if chars.peek() == Some(&'(') => {
                push(&mut cur, &mut out);
            }
            _ => cur.push(c),
        }
    }
    push(&mut cur, &mut out);
    out
}

/// What is wrong with each `xe` invocation in `command` (empty when all are right).
fn problems(command: &str, table: &Table) -> Vec<String> {
    let w = words(command);
    let mut found = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let at_command_start = i == 0 || ["|", "sudo", "do", "then", "in"].contains(&w[i - 1].as_str());
        if w[i] != "xe" || !at_command_start {
            i += 1;
            continue;
        }
        // The connection's switches may come before the command's name.
        let mut at = i + 1;
        loop {
            match w.get(at) {
                Some(s) if SWITCHES_WITH_A_VALUE.contains(&s.as_str()) => at += 2,
                Some(s) if SWITCHES.contains(&s.as_str()) => at += 1,
                _ => break,
            }
        }
        let Some(name) = w.get(at).filter(|n| *n != "|") else {
            i = at.max(i + 1);
            continue;
        };
        i = at + 1;
        if OLDER_HOSTS_ONLY.iter().any(|prefix| name.starts_with(prefix)) {
            continue;
        }
        // `xe help [--all] [command…]` takes command names, not parameters.
        if name == "help" {
            while i < w.len() && w[i] != "|" {
                let word = &w[i];
                i += 1;
                if word != "--all" && !word.contains(['<', '$']) && table.spec(word).is_none() {
                    found.push(format!("`xe help {word}`: no such command"));
                }
            }
            continue;
        }
        let Some(spec) = table.spec(name) else {
            found.push(format!("`xe {name}`: no such command"));
            continue;
        };
        let mut given = BTreeSet::new();
        while i < w.len() && w[i] != "|" {
            let word = &w[i];
            i += 1;
            if SWITCHES_WITH_A_VALUE.contains(&word.as_str()) {
                i += 1;
                continue;
            }
            if SWITCHES.contains(&word.as_str()) {
                continue;
            }
            let (param, value) = match word.strip_prefix("--") {
                Some(flag) => (flag.to_string(), "true"),
                None => match word.split_once('=') {
                    Some((p, v)) => (p.to_string(), v),
                    None => {
                        found.push(format!("`xe {name}`: `{word}` is not a parameter (name=value)"));
                        continue;
                    }
                },
            };
            if let (Some(class), "param-name") = (&spec.param_names_of, param.as_str()) {
                let literal = !value.contains(['<', '$']);
                if literal && !table.classes[class].contains(value) {
                    found.push(format!("`xe {name}`: a {class} has no field `{value}`"));
                }
            }
            // A list's `params=` (`vbd-params=`, `vdi-params=` of the disk lists) names the
            // fields to print: xe leaves out a field its class lacks without a word.
            let printed_fields = match param.strip_suffix("-params") {
                _ if param == "params" && name.ends_with("-list") && !spec.fields.is_empty() => Some(&spec.fields),
                Some(class) => table.classes.get(class),
                None => None,
            };
            if let Some(fields) = printed_fields {
                for field in value.split(',').map(str::trim).filter(|f| !f.is_empty() && *f != "all" && !f.contains(['<', '$'])) {
                    if !fields.contains(field) {
                        found.push(format!("`xe {name}`: {param} names `{field}`, which is no field of its class"));
                    }
                }
            }
            // A map's key (`device-config:server=`, `other-config:foo=`) is checked by its map.
            let (key, map) = match param.split_once(':') {
                Some((map, _)) => (format!("{map}:"), map.to_string()),
                None => (param.clone(), param.clone()),
            };
            let known = spec.reqd.contains(&key) || spec.optn.contains(&key) || EVERY_COMMAND.contains(&key.as_str()) || spec.fields.contains(&map);
            if !known {
                found.push(format!("`xe {name}`: no parameter `{param}`"));
            }
            given.insert(key);
        }
        for r in &spec.reqd {
            if !given.contains(r) {
                found.push(format!("`xe {name}`: its required `{r}` is missing"));
            }
        }
    }
    found
}

fn commands_of(d: &xapi_doctor::Diagnosis, out: &mut BTreeMap<String, String>, origin: &str) {
    for f in &d.findings {
        for step in &f.remediation {
            if let Some(c) = &step.command {
                out.entry(c.to_string()).or_insert_with(|| format!("{} ({origin})", f.rule));
            }
        }
    }
}


#[test]
fn the_table_reads_the_cli_as_it_is() {
    let table = table();
    assert!(table.commands.len() > 350, "{}", table.commands.len());
    assert_eq!(table.commands["vm-snapshot"].selectors, ["vm"]);
    assert_eq!(table.spec("vm-snapshot").map(|s| s.reqd), Some(vec!["new-name-label".to_string()]));
    assert!(table.spec("host-call-plugin").is_some_and(|s| s.optn.contains(&"args:".to_string())));
    assert!(table.spec("vdi-param-get").is_some() && table.spec("vdi-param-got").is_none());
    let check = |c: &str| problems(c, &table);
    assert_eq!(check("xe vdi-list sr-uuid=<sr-uuid> params=uuid,name-label --minimal"), Vec::<String>::new());
    assert_eq!(check("xe vdi-list params=uuid,cbt-enabled,sm-config"), Vec::<String>::new());
    assert_eq!(check("xe vdi-list params=uuid,size"), vec!["`xe vdi-list`: params names `size`, which is no field of its class"]);
    assert_eq!(check("xe vm-disk-list vm=<vm-uuid> vbd-params=device vdi-params=uuid,sr-uuid,sr-name-label"), Vec::<String>::new());
    assert_eq!(check("xe vm-disk-list vm=<vm-uuid> vbd-params=sr-uuid"), vec!["`xe vm-disk-list`: vbd-params names `sr-uuid`, which is no field of its class"]);
    assert_eq!(check("for v in $(xe vdi-list sr-uuid=x --minimal | tr , ' '); do xe vdi-param-get uuid=$v param-name=sm-config; done"), Vec::<String>::new());
    assert_eq!(check("xe host-call-plugin host-uuid=<host-uuid> plugin=coalesce-leaf fn=leaf-coalesce args:vm_uuid=<vm-uuid>"), Vec::<String>::new());
    assert_eq!(check("xe sr-create name-label=\"NFS SR\" type=nfs device-config:server=<nfs-server> device-config:serverpath=/export"), Vec::<String>::new());
    assert_eq!(check("xe -s <pool-master> -u root -pw '<password>' host-list params=name-label"), Vec::<String>::new());
    assert_eq!(check("xe vm-list name-label=<name> params=uuid   # or sr-list"), Vec::<String>::new());
    assert_eq!(check("xe vdi-list sr-uuid=<sr-uuid> other-config:xo:backup=true is-a-snapshot=true"), Vec::<String>::new());
    assert_eq!(check("xe vm-shutdown vm=<vm-name> --force"), Vec::<String>::new());
    // The client's own switches, and `xe help` with command names.
    assert_eq!(check("xe -s <pool-master> -u root -pwf /root/xe-password vm-list params=uuid"), Vec::<String>::new());
    assert_eq!(check("xe -version"), Vec::<String>::new());
    assert_eq!(check("xe --nossl -s 127.0.0.1 -p 80 host-list"), Vec::<String>::new());
    assert_eq!(check("xe help vm-snapshot vdi-export"), Vec::<String>::new());
    assert_eq!(check("xe help --all"), Vec::<String>::new());
    assert_eq!(check("xe help vm-snapshoot"), vec!["`xe help vm-snapshoot`: no such command"]);
    assert_eq!(check("xe vdi-frobnicate uuid=x").len(), 1);
    assert_eq!(check("xe pbd-plug").len(), 1, "uuid is required");
    assert_eq!(check("xe sr-create name-label=x type=nfs device-conf:server=y").len(), 1);
    assert_eq!(check("xe vdi-param-get uuid=x param=sm-config").len(), 2, "param-name missing, param unknown");
    assert_eq!(check("xe vdi-list sr=<sr-uuid>").len(), 1, "sr is not a field of a VDI");
    assert_eq!(check("xe vdi-param-get uuid=x param-name=sm-confg").len(), 1);
    assert_eq!(check("xe vm-shutdown vdi=<vm-name>").len(), 1);
}

/// The `xe` commands written in the Rust rules' sources, each string literal that holds one (its
/// `format!` holes read as values): a rule's step that no example or case renders is checked too.
fn commands_in_the_rust_rules() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            for literal in string_literals(&without_test_modules(&source)) {
                // A piece of a command built from several (`joined!`: it ends on a parameter's `=`) or
                // whose command name is a hole (`xe {cli}-unplug`) is left to the rendered findings.
                let partial = literal.trim_end().ends_with('=') || literal.contains("xe {");
                if !partial && words(literal).iter().any(|w| w == "xe") && literal.contains("xe ") && literal.contains('-') {
                    let filled = literal.replace("\\\n", " ").replace("\\n", "\n");
                    let filled = fill_holes(&filled);
                    out.push((filled, path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&path).display().to_string()));
                }
            }
        }
    }
    out
}

/// The source without its unit-test modules (`#[cfg(test)]` then `mod …`, up to the `}` that
/// closes it at the start of a line, as rustfmt writes a top-level module): they hold made-up
/// inputs, not steps anyone is shown.
fn without_test_modules(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("#[cfg(test)]\nmod ") {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        rest = rest.find("\n}\n").map_or("", |end| &rest[end + 3..]);
    }
    out.push_str(rest);
    out
}

/// The string literals of a Rust source, escapes kept as written. Comments, char literals
/// (`'"'`, `b'"'`, `'\''`) and lifetimes are stepped over, and raw strings (`r"…"`, `r#"…"#`)
/// end only at their own closing, so a quote character in any of them cannot shift the pairing
/// of the quotes after it.
fn string_literals(source: &str) -> Vec<&str> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = source[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = source[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2),
            b'\'' => {
                // `'\x'`-style escapes, `'c'` (one character, maybe several bytes), else a lifetime.
                if bytes.get(i + 1) == Some(&b'\\') {
                    i = source[i + 3..].find('\'').map_or(bytes.len(), |n| i + 3 + n + 1);
                } else {
                    let width = source[i + 1..].chars().next().map_or(1, char::len_utf8);
                    i += if bytes.get(i + 1 + width) == Some(&b'\'') { width + 2 } else { 1 };
                }
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#')) && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') || bytes[i - 1] == b'b') => {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                let open = i + 1 + hashes;
                if bytes.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let end = source[open + 1..].find(&close).map_or(bytes.len(), |n| open + 1 + n);
                out.push(&source[open + 1..end]);
                i = end + close.len();
            }
            b'"' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                out.push(&source[i + 1..j.min(bytes.len())]);
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// `format!`'s holes (`{}`, `{sr_uuid}`) as a value.
fn fill_holes(text: &str) -> String {
    let mut out = String::new();
    let mut in_hole = false;
    for c in text.chars() {
        match (c, in_hole) {
            ('{', false) => in_hole = true,
            ('}', true) => {
                in_hole = false;
                out.push('X');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

#[test]
fn every_xe_command_in_the_rust_rules_is_one_the_cli_takes() {
    let table = table();
    let found = commands_in_the_rust_rules();
    assert!(found.len() > 50, "only {} literals with an xe command", found.len());
    let wrong: Vec<String> = found
        .iter()
        .filter(|(_, file)| !file.contains("tests"))
        .flat_map(|(command, file)| problems(command, &table).into_iter().map(move |p| format!("{file}: {p}\n    {command}")))
        .collect();
    assert!(wrong.is_empty(), "{} wrong xe commands:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn every_xe_command_we_print_is_one_the_cli_takes() {
    let table = table();
    let mut printed = BTreeMap::new();
    for rule in xapi_doctor::list_rules() {
        if let Ok(d) = xapi_doctor::docs::run_example(rule.example) {
            commands_of(&d, &mut printed, "its example");
        }
    }
    let cases = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/cases");
    for kind in std::fs::read_dir(cases).expect("corpus").flatten() {
        for case in std::fs::read_dir(kind.path()).expect("kind").flatten() {
            let text = std::fs::read_to_string(case.path()).unwrap_or_default();
            let Some((_, body)) = text.split_once("\n---\n") else { continue };
            if let Ok(d) = xapi_doctor::diagnose_text(body, &Options::default()) {
                commands_of(&d, &mut printed, &case.file_name().to_string_lossy());
            }
        }
    }
    let with_xe = printed.keys().filter(|c| words(c).iter().any(|w| w == "xe")).count();
    assert!(with_xe > 300, "only {with_xe} xe commands printed");
    eprintln!("{with_xe} xe commands checked");
    let wrong: Vec<String> = printed
        .iter()
        .flat_map(|(command, origin)| problems(command, &table).into_iter().map(move |p| format!("{origin}: {p}\n    {command}")))
        .collect();
    assert!(wrong.is_empty(), "{} wrong xe commands of {with_xe}:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn the_literal_reader_steps_over_quotes_that_open_no_string() {
    let source = r##"let q = b'"'; let c = '"'; let e = '\''; fn f<'a>(x: &'a str) {} // a "comment
let s = "xe vm-list"; /* "block" */ let r = r#"raw "quoted" text"#; let t = "esc \" aped";"##;
    assert_eq!(string_literals(source), ["xe vm-list", r#"raw "quoted" text"#, r#"esc \" aped"#]);
    let with_tests = "const A: &str = \"a\";\n#[cfg(test)]\nmod stack_tests {\n    const B: &str = \"b\";\n}\nconst C: &str = \"c\";\n#[cfg(test)]\nmod tests {\n    const D: &str = \"d\";\n}\n";
    assert_eq!(string_literals(&without_test_modules(with_tests)), ["a", "c"]);
}

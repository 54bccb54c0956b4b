//! Compiles the fact tables in `data/` (SR error codes of the storage manager, XAPI error codes
//! with their parameter names) into static Rust arrays, so the catalogues cost no parsing at
//! run time and no JSON parser has to ship for them.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::{env, fs, path::Path};

#[path = "build/knowledge.rs"]
mod knowledge;
#[path = "build/xencenter.rs"]
mod xencenter;

#[derive(serde::Deserialize)]
struct SrCode {
    name: String,
    value: u32,
    description: String,
}

#[derive(serde::Deserialize)]
struct SrHistory {
    name: String,
    value: u32,
    description: String,
    status: String,
    first_seen: String,
    last_seen: String,
    value_now_used_by: Option<String>,
}

/// A doc line an older xapi had for a code (`tests/tools/api_error_docs_history.py`).
#[derive(serde::Deserialize)]
struct EarlierDoc {
    code: String,
    doc: String,
}

#[derive(serde::Deserialize)]
struct ApiError {
    code: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    params: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    doc: String,
    #[serde(default)]
    documented: Option<bool>,
    #[serde(default)]
    first_seen: Option<String>,
    #[serde(default)]
    last_seen: Option<String>,
}

/// Some removed codes have `null` params or doc: read those as empty.
fn null_as_empty<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn read<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = Path::new("data").join(name);
    println!("cargo:rerun-if-changed={}", path.display());
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn main() {
    let upstream: Vec<SrCode> = read("sr_error_codes.json");
    let xcpng: Vec<SrCode> = read("sr_error_codes_xcpng-8.3.json");
    let history: Vec<SrHistory> = read("sr_error_codes_history.json");
    let api: Vec<ApiError> = read("api_errors.json");
    let removed: Vec<ApiError> = read("api_errors_removed.json");
    let meanings: knowledge::Meanings = read("code_meanings.json");
    let xapi_meaning: BTreeMap<&str, (&str, &str)> =
        meanings.xapi.iter().map(|m| (m.code.as_str(), (m.category.as_str(), m.meaning.as_str()))).collect();
    let sr_meaning: BTreeMap<u32, (&str, &str)> =
        meanings.sr.iter().map(|m| (m.value, (m.category.as_str(), m.meaning.as_str()))).collect();

    let mut out = String::new();

    // SR codes: the union of upstream and XCP-ng 8.3, keyed by value. Where both know a value
    // they agree on name and description (checked below), so one entry carries both flags.
    let mut sr: BTreeMap<u32, (String, String, bool, bool)> = BTreeMap::new();
    for c in &upstream {
        sr.insert(c.value, (c.name.clone(), c.description.clone(), true, false));
    }
    for c in &xcpng {
        match sr.get_mut(&c.value) {
            Some(e) => {
                assert_eq!((&e.0, &e.1), (&c.name, &c.description), "SR code {} differs", c.value);
                e.3 = true;
            }
            None => {
                sr.insert(c.value, (c.name.clone(), c.description.clone(), false, true));
            }
        }
    }
    let mut text = String::new();
    for (value, (name, description, up, x)) in &sr {
        let (category, meaning) = sr_meaning.get(value).unwrap_or_else(|| panic!("code_meanings.json: no meaning for SR code {value}"));
        let what = format!("SR code {value}");
        let flags = [u8::from(*up).to_string(), u8::from(*x).to_string()];
        text += &knowledge::record(&[&value.to_string(), name, description, &flags[0], &flags[1], &knowledge::category_index(category, &what), meaning], &what);
    }
    writeln!(out, "/// `value name description upstream(0|1) xcpng(0|1) category meaning`, sorted by value.").unwrap();
    writeln!(out, "pub(crate) static SR_CODES_TEXT: &str = {text:?};\n").unwrap();

    let mut history = history;
    history.sort_by(|a, b| (a.value, &a.first_seen).cmp(&(b.value, &b.first_seen)));
    let mut text = String::new();
    for h in &history {
        let what = format!("SR code history {}", h.name);
        assert!(h.value_now_used_by.as_ref().is_none_or(|n| !n.is_empty()), "{what}: empty value_now_used_by");
        let status = if h.status == "removed" { "r" } else { "c" };
        let now = h.value_now_used_by.as_deref().unwrap_or("");
        text += &knowledge::record(&[&h.value.to_string(), &h.name, &h.description, status, &h.first_seen, &h.last_seen, now], &what);
    }
    writeln!(out, "/// `value name description r|c first_seen last_seen [value_now_used_by]`, sorted by value.").unwrap();
    writeln!(out, "pub(crate) static SR_CODE_HISTORY_TEXT: &str = {text:?};\n").unwrap();

    let mut all: Vec<(&ApiError, bool)> = api.iter().map(|a| (a, false)).chain(removed.iter().map(|a| (a, true))).collect();
    all.sort_by(|a, b| a.0.code.cmp(&b.0.code));
    for pair in all.windows(2) {
        assert_ne!(pair[0].0.code, pair[1].0.code, "duplicate XAPI code");
    }
    // The XAPI codes are the biggest table (680 entries): as one string, one line per code, read
    // into `ApiErrorCode`s on first use (catalog/mod.rs). A static array of structs would cost
    // ~40 bytes of pointers per entry in the .wasm, which compress poorly (docs/size.md).
    // Older hosts' `xe` prints the doc line of its own version: those that differ from today's,
    // each on a line of its own (GS first) right after its code's, where gzip finds today's doc.
    let earlier: Vec<EarlierDoc> = read("api_error_docs_earlier.json");
    for e in &earlier {
        assert!(all.iter().any(|(a, _)| a.code == e.code), "api_error_docs_earlier.json: unknown code {}", e.code);
        assert!(!e.doc.contains(['\n', '\x1d', '\x1e', '\x1f']), "separator in an earlier doc of {}", e.code);
        assert!(all.iter().all(|(a, _)| a.doc != e.doc), "api_error_docs_earlier.json: {:?} is a doc of today", e.doc);
    }
    let mut text = String::new();
    for (a, is_removed) in &all {
        let raw = [Some(&a.code), Some(&a.doc), a.first_seen.as_ref(), a.last_seen.as_ref()].into_iter().flatten().chain(&a.params);
        for f in raw {
            assert!(!f.contains(['\n', '\x1e', '\x1f']), "separator in the XAPI catalogue: {f:?}");
        }
        let documented = if a.documented.unwrap_or(!a.doc.is_empty()) { "d" } else { "-" };
        let (category, meaning) =
            xapi_meaning.get(a.code.as_str()).unwrap_or_else(|| panic!("code_meanings.json: no meaning for {}", a.code));
        assert!(knowledge::CATEGORIES.contains(category), "code_meanings.json: {}: unknown category {category}", a.code);
        assert!(!meaning.contains(['\n', '\x1e', '\x1f']), "separator in the meaning of {}", a.code);
        let category_index = knowledge::CATEGORIES.iter().position(|c| c == category).unwrap();
        let removed = if *is_removed {
            format!("\x1f{}\x1f{}", a.first_seen.as_deref().unwrap_or(""), a.last_seen.as_deref().unwrap_or(""))
        } else {
            String::new()
        };
        writeln!(text, "{}\x1f{}\x1f{}\x1f{documented}\x1f{category_index}\x1f{meaning}{removed}", a.code, a.params.join("\x1e"), a.doc)
            .unwrap();
        for e in earlier.iter().filter(|e| e.code == a.code) {
            writeln!(text, "\x1d{}", e.doc).unwrap();
        }
    }
    writeln!(
        out,
        "/// `code US params(RS-separated) US doc US d|- US category-index US meaning [US first_seen US last_seen]`, one line per code, sorted; each followed by `GS doc` lines, the doc lines older xapi versions had for it."
    )
    .unwrap();
    writeln!(out, "pub(crate) static API_ERRORS_TEXT: &str = {text:?};\n").unwrap();

    // XenCenter's texts of the codes (build/xencenter.rs says which are kept): what it knows of
    // each code is its parameter count and the doc lines `xe` prints for it.
    let mut code_facts: BTreeMap<String, xencenter::CodeFacts> = BTreeMap::new();
    for (a, is_removed) in &all {
        let documented = a.documented.unwrap_or(!a.doc.is_empty());
        let today = (documented && !is_removed).then(|| a.doc.clone());
        let docs = today.into_iter().chain(earlier.iter().filter(|e| e.code == a.code).map(|e| e.doc.clone())).collect();
        code_facts.insert(a.code.clone(), xencenter::CodeFacts { params: a.params.len(), docs, sr_description: None });
    }
    for (value, (_, description, _, _)) in &sr {
        let facts = xencenter::CodeFacts { params: 3, docs: Vec::new(), sr_description: Some(description.clone()) };
        code_facts.insert(format!("SR_BACKEND_FAILURE_{value}"), facts);
    }
    let xencenter_texts: BTreeMap<String, String> = read("xencenter_error_texts.json");
    out.push_str(&xencenter::texts(&xencenter_texts, &code_facts));


    out.push_str(&knowledge::code_tables(&meanings));

    let out_dir = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out_dir).join("catalog_data.rs"), out).unwrap();

    // data/signatures/: one file per family, read in the order of their names as one list.
    let signatures_dir = Path::new("data").join("signatures");
    println!("cargo:rerun-if-changed={}", signatures_dir.display());
    let mut signature_files: Vec<_> = fs::read_dir(&signatures_dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", signatures_dir.display()))
        .map(|entry| entry.unwrap_or_else(|e| panic!("reading {}: {e}", signatures_dir.display())).path())
        .filter(|path| path.extension().is_some_and(|x| x == "toml"))
        .collect();
    signature_files.sort();
    let mut signatures = String::new();
    for path in &signature_files {
        println!("cargo:rerun-if-changed={}", path.display());
        signatures.push_str(&fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display())));
        signatures.push('\n');
    }
    let releases: Vec<knowledge::XoRelease> = read("xo_releases.json");
    fs::write(Path::new(&out_dir).join("signatures_data.rs"), knowledge::signatures(&signatures, &releases)).unwrap();
    fs::write(Path::new(&out_dir).join("xo_releases_data.rs"), knowledge::xo_server_releases(&releases)).unwrap();
    let wording_path = Path::new("data").join("wording.toml");
    println!("cargo:rerun-if-changed={}", wording_path.display());
    let wording = fs::read_to_string(&wording_path).unwrap_or_else(|e| panic!("reading {}: {e}", wording_path.display()));
    fs::write(Path::new(&out_dir).join("wording_data.rs"), knowledge::wording(&wording)).unwrap();
    fs::write(Path::new(&out_dir).join("signature_counterexamples.rs"), knowledge::counterexamples(&signatures)).unwrap();
    let smlog_messages_path = Path::new("data").join("smlog_messages.toml");
    println!("cargo:rerun-if-changed={}", smlog_messages_path.display());
    let smlog_messages = fs::read_to_string(&smlog_messages_path).unwrap_or_else(|e| panic!("reading {}: {e}", smlog_messages_path.display()));
    fs::write(Path::new(&out_dir).join("smlog_messages_data.rs"), knowledge::smlog_messages(&smlog_messages)).unwrap();
    let cases_path = Path::new("data").join("resemblance_cases.txt");
    println!("cargo:rerun-if-changed={}", cases_path.display());
    let cases = fs::read_to_string(&cases_path).unwrap_or_else(|e| panic!("reading {}: {e}", cases_path.display()));
    let (texts, words) = resemblance_cases(&cases);
    fs::write(Path::new(&out_dir).join("resemblance_cases.bin"), words).unwrap();
    fs::write(
        Path::new(&out_dir).join("resemblance_cases.rs"),
        format!(
            "/// Development cases per category (data/resemblance_cases.txt).\nstatic CASE_TEXTS: [u16; {}] = {texts:?};\n\
             /// Their words' counts, compacted (see `case_counts`).\nstatic CASE_WORDS: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/resemblance_cases.bin\"));\n",
            texts.len()
        ),
    )
    .unwrap();
    println!("cargo:rerun-if-changed=build/knowledge.rs");
    println!("cargo:rerun-if-changed=build/xencenter.rs");
    println!("cargo:rerun-if-changed=build.rs");
}

/// data/resemblance_cases.txt (written by tests/resemblance_cases.rs) compacted for
/// rules/resemblance.rs: the development cases per category, and per word (sorted by key) the
/// LEB128 delta of its key, its number of categories, and for each the category's index and the
/// LEB128 count of cases.
fn resemblance_cases(text: &str) -> (Vec<u16>, Vec<u8>) {
    fn leb128(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    let category = |name: &str| {
        knowledge::CATEGORIES.iter().position(|c| *c == name).unwrap_or_else(|| panic!("resemblance_cases.txt: unknown category {name:?}"))
    };
    let count = |pair: &str| {
        let (name, n) = pair.split_once(':').unwrap_or_else(|| panic!("resemblance_cases.txt: not category:count: {pair:?}"));
        (category(name), n.parse::<u16>().unwrap_or_else(|e| panic!("resemblance_cases.txt: {pair:?}: {e}")))
    };
    let mut texts = vec![0u16; knowledge::CATEGORIES.len()];
    let mut words = Vec::new();
    let mut previous = 0u64;
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut fields = line.split_whitespace();
        let first = fields.next().unwrap_or_default();
        if first == "cases" {
            for (c, n) in fields.map(count) {
                texts[c] = n;
            }
            continue;
        }
        let key = u64::from_str_radix(first, 16).unwrap_or_else(|e| panic!("resemblance_cases.txt: {first:?}: {e}"));
        assert!(key > previous || (previous == 0 && words.is_empty()), "resemblance_cases.txt: {first} out of order");
        let pairs: Vec<(usize, u16)> = fields.map(count).collect();
        leb128(&mut words, key - previous);
        words.push(u8::try_from(pairs.len()).unwrap());
        for (c, n) in pairs {
            words.push(u8::try_from(c).unwrap());
            leb128(&mut words, u64::from(n));
        }
        previous = key;
    }
    (texts, words)
}

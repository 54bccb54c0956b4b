//! The layers of the crate import downward only (DEVELOPERS.md, "Layers import downward only"):
//! catalogue and model → input → analysers (`input/smlog`, `chain`) → rules → `lib.rs` →
//! `wasm.rs`. This test reads the sources and fails on an upward `crate::` path outside unit
//! tests (files named `tests.rs`, which may reach upward).

use std::fs;
use std::path::{Path, PathBuf};

/// (a layer's files, the crate paths it must not use)
const LAYERS: &[(&str, &[&str])] = &[
    ("src/catalog", &["crate::input", "crate::chain", "crate::rules", "crate::wasm"]),
    ("src/model.rs", &["crate::input", "crate::chain", "crate::rules", "crate::wasm"]),
    ("src/options.rs", &["crate::input", "crate::chain", "crate::rules", "crate::wasm"]),
    ("src/error.rs", &["crate::input", "crate::chain", "crate::rules", "crate::wasm"]),
    ("src/input", &["crate::chain", "crate::rules", "crate::wasm", "crate::ChainReport", "crate::RuleInfo", "crate::diagnose"]),
    ("src/chain", &["crate::input", "crate::rules", "crate::wasm", "crate::SmlogReport", "crate::RuleInfo", "crate::diagnose"]),
    ("src/rules", &["crate::wasm"]),
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in fs::read_dir(path).expect("read a source folder") {
            rust_files(&entry.expect("a folder entry").path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") && path.file_name().is_some_and(|n| n != "tests.rs") {
        out.push(path.to_path_buf());
    }
}

#[test]
fn layers_import_downward_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut upward = Vec::new();
    for (layer, forbidden) in LAYERS {
        let mut files = Vec::new();
        rust_files(&root.join(layer), &mut files);
        assert!(!files.is_empty(), "no Rust file under {layer}");
        for file in files {
            let text = fs::read_to_string(&file).expect("read a source file");
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for path in forbidden.iter().filter(|p| code.contains(*p)) {
                    upward.push(format!("{}:{}: uses {path}", file.strip_prefix(root).unwrap_or(&file).display(), n + 1));
                }
            }
        }
    }
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

//! Prints the diagnosis of a file (or stdin) as JSON, straight from the Rust core:
//! `cargo run --example diagnose -- FILE [OPTIONS_JSON]`.
use std::io::Read;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut bytes = Vec::new();
    match args.first().map(String::as_str) {
        None | Some("-") => {
            std::io::stdin().read_to_end(&mut bytes).expect("reading stdin");
        }
        Some(path) => bytes = std::fs::read(path).expect("reading the file"),
    }
    let options = xapi_doctor::Options::from_json(args.get(1).map(String::as_str).unwrap_or("")).expect("options");
    match xapi_doctor::diagnose_bytes(&bytes, &options) {
        Ok(d) => println!("{}", serde_json::to_string_pretty(&d).expect("serialising")),
        Err(e) => {
            eprintln!("{}: {e}", e.code());
            std::process::exit(2);
        }
    }
}

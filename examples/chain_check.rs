//! Prints the chain check of a records file (or the space plan of a `{ sr, vdis }` file) as
//! JSON, straight from the Rust core: `cargo run --example chain_check -- FILE [TOLERANCE]`.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().expect("usage: chain_check FILE [TOLERANCE]");
    let text = std::fs::read_to_string(path).expect("reading the file");
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let out = if value.get("sr").is_some() {
        xapi_doctor::plan_snapshot_space(&text).map(|p| serde_json::to_string_pretty(&p).expect("serialising"))
    } else {
        let tolerance = args.get(1).map_or("null", String::as_str);
        let options = xapi_doctor::ChainOptions::from_json(&format!("{{\"tolerance\": {tolerance}}}")).expect("options");
        xapi_doctor::check_vdi_chains(&text, &options).map(|r| serde_json::to_string_pretty(&r).expect("serialising"))
    };
    match out {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("{}: {e}", e.code());
            std::process::exit(2);
        }
    }
}

//! One chain check on flat records, natively, for callgrind: `valgrind --tool=callgrind
//! target/release/examples/chain_flat_icount DIR` counts its instructions (deterministic, so two
//! builds compare exactly on a loaded machine). DIR holds what `node bench/chain.mjs --dump DIR
//! [VDIS]` writes. `ZZ_N` checks (default 1).
fn read(dir: &str, name: &str) -> Vec<u8> {
    std::fs::read(format!("{dir}/{name}")).unwrap_or_default()
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: chain_flat_icount DIR");
        std::process::exit(2);
    };
    let words: Vec<u32> = read(&dir, "words").chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let ends: Vec<u32> = read(&dir, "ends").chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let numbers: Vec<f64> = read(&dir, "numbers").chunks_exact(8).map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect();
    let text = read(&dir, "text");
    let fields = String::from_utf8(read(&dir, "fields")).unwrap_or_default();
    let Ok(options) = xapi_doctor::ChainOptions::from_json("{}") else { return };
    let n: usize = std::env::var("ZZ_N").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    for _ in 0..n {
        match xapi_doctor::check_vdi_chains_flat(&words, &numbers, &text, &ends, &fields, &options) {
            Ok((report, columns)) => println!("{} VMs, {} column words", report.stats.vms, columns.vms.len()),
            Err(_) => eprintln!("the flat records could not be read"),
        }
    }
}

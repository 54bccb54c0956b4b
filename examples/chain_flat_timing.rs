//! Times the chain check natively on flat records (the floor under `checkVdiChains` through the
//! package): `cargo run --release --example chain_flat_timing -- DIR`, where DIR holds the flat
//! arrays `node bench/chain.mjs --dump DIR [VDIS]` writes (`words`, `numbers`, `text`, `ends`, `fields`).
//! With `ZZ_N=n` it runs n plain checks and no timing instead, for callgrind: `ZZ_N=1 valgrind
//! --tool=callgrind target/release/examples/chain_flat_timing DIR` counts one check's instructions
//! (deterministic, so two builds compare exactly on a loaded machine).
fn read(dir: &str, name: &str) -> Vec<u8> {
    std::fs::read(format!("{dir}/{name}")).unwrap_or_default()
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: chain_flat_timing DIR");
        std::process::exit(2);
    };
    let words: Vec<u32> = read(&dir, "words").chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let ends: Vec<u32> = read(&dir, "ends").chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let numbers: Vec<f64> = read(&dir, "numbers").chunks_exact(8).map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect();
    let text = read(&dir, "text");
    let fields = String::from_utf8(read(&dir, "fields")).unwrap_or_default();
    let (Ok(with_graph), Ok(without)) = (xapi_doctor::ChainOptions::from_json("{}"), xapi_doctor::ChainOptions::from_json("{\"graph\": false}")) else { return };
    if let Some(n) = std::env::var("ZZ_N").ok().and_then(|s| s.parse::<usize>().ok()) {
        for _ in 0..n {
            match xapi_doctor::check_vdi_chains_flat(&words, &numbers, &text, &ends, &fields, &with_graph) {
                Ok((report, columns)) => println!("{} VMs, {} column words", report.stats.vms, columns.vms.len()),
                Err(_) => eprintln!("the flat records could not be read"),
            }
        }
        return;
    }
    let mut best = [f64::MAX; 3];
    for _ in 0..15 {
        let t0 = std::time::Instant::now();
        let Ok((report, _)) = xapi_doctor::check_vdi_chains_flat(&words, &numbers, &text, &ends, &fields, &with_graph) else {
            eprintln!("the flat records could not be read");
            return;
        };
        let t1 = std::time::Instant::now();
        let json = serde_json::to_string(&report).map_or(0, |s| s.len());
        let t2 = std::time::Instant::now();
        let _ = xapi_doctor::check_vdi_chains_flat(&words, &numbers, &text, &ends, &fields, &without).map(|r| r.0.vms.len());
        let t3 = std::time::Instant::now();
        for (slot, d) in best.iter_mut().zip([t1 - t0, t3 - t2, t2 - t1]) {
            *slot = slot.min(d.as_secs_f64() * 1e3);
        }
        let _ = json;
    }
    println!("best of 15: check {:.1} ms (VMs and graph as columns), without the graph {:.1} ms, report without VMs and graph to JSON {:.1} ms", best[0], best[1], best[2]);
}

//! Times the chain check natively on a records file (the floor under the WebAssembly figure of
//! `bench/chain.mjs`): `cargo run --release --example chain_timing -- FILE`. Write a pool with
//! `node -e "import('./bench/chain.mjs').then(m => require('fs').writeFileSync('pool.json', JSON.stringify(m.generatePool(10000, 42))))"`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: chain_timing FILE");
        std::process::exit(2);
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("cannot read {path}");
        std::process::exit(2);
    };
    let (Ok(with_graph), Ok(without)) = (xapi_doctor::ChainOptions::from_json("{}"), xapi_doctor::ChainOptions::from_json("{\"graph\": false}")) else { return };
    let mut best = [f64::MAX; 3];
    for _ in 0..7 {
        let t0 = std::time::Instant::now();
        let Ok(report) = xapi_doctor::check_vdi_chains(&text, &with_graph) else { return };
        let t1 = std::time::Instant::now();
        let json = serde_json::to_string(&report).map_or(0, |s| s.len());
        let t2 = std::time::Instant::now();
        let _ = xapi_doctor::check_vdi_chains(&text, &without).map(|r| r.vms.len());
        let t3 = std::time::Instant::now();
        for (slot, d) in best.iter_mut().zip([t1 - t0, t3 - t2, t2 - t1]) {
            *slot = slot.min(d.as_secs_f64() * 1e3);
        }
        let _ = json;
    }
    println!("best of 7: check {:.1} ms, without the graph {:.1} ms, report to JSON {:.1} ms", best[0], best[1], best[2]);
}

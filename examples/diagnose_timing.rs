//! Times `diagnose` of single errors natively (the floor under the WebAssembly figures):
//! `cargo run --release --example diagnose_timing`.
fn main() {
    let inputs = ["SR_BACKEND_FAILURE_44(, There is insufficient space, )", "[\"SR_BACKEND_FAILURE_44\", \"\", \"There is insufficient space\", \"\"]", "VDI_IN_USE(OpaqueRef:1, snapshot)"];
    for input in inputs {
        let options = xapi_doctor::Options::default();
        for _ in 0..2000 {
            let _ = xapi_doctor::diagnose_text(input, &options).map(|d| d.findings.len());
        }
        let n = 20000;
        let t = std::time::Instant::now();
        let mut bytes = 0;
        for _ in 0..n {
            bytes += xapi_doctor::diagnose_text(input, &options).map_or(0, |d| d.findings.len());
        }
        let per = t.elapsed() / n;
        let Ok(d) = xapi_doctor::diagnose_text(input, &options) else { continue };
        let t = std::time::Instant::now();
        for _ in 0..n {
            bytes += serde_json::to_string(&d).map_or(0, |s| s.len());
        }
        println!("{input}: diagnose {per:?}, to JSON {:?} ({bytes})", t.elapsed() / n);
    }
}

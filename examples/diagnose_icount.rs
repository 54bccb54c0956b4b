//! Calls `diagnose` on the five shapes of `bench/diagnose.mjs` natively, `ZZ_N` times each
//! (`ZZ_ONLY=i`: the i-th only; `ZZ_TEXT`: that text instead), for instruction counts that load on a shared machine does not
//! change: `bash bench/diagnose-icount.sh` runs it under valgrind's callgrind (bench/README.md,
//! perf4). The array and the objects are their `JSON.stringify` text, as the package passes them.
//! `ZZ_WIRE=1`: each result is also written in the compact form the package sends to JavaScript
//! (`json::write_wire`), to count that part too (bench/README.md, perf13).
fn main() {
    let inputs = [
        "SR_BACKEND_FAILURE_44(, There is insufficient space, )",
        r#"["SR_BACKEND_FAILURE_44","","There is insufficient space",""]"#,
        r#"{"jsonrpc":"2.0","id":7,"error":{"code":1,"message":"VDI_IN_USE","data":["OpaqueRef:9a1b","snapshot"]}}"#,
        r#"{"code":"VDI_IN_USE","params":["OpaqueRef:9a1b","snapshot"],"name":"XapiError","message":"VDI_IN_USE(OpaqueRef:9a1b, snapshot)"}"#,
        r#"{"message":"snapshot","status":"failure","start":1,"end":2,"result":{"code":"VDI_IO_ERROR","params":["Device I/O errors"],"name":"XapiError","message":"VDI_IO_ERROR(Device I/O errors)"}}"#,
    ];
    let custom = std::env::var("ZZ_TEXT").ok();
    let inputs: Vec<&str> = match &custom { Some(t) => vec![t.as_str()], None => inputs.to_vec() };
    let n: usize = std::env::var("ZZ_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let only: Option<usize> = std::env::var("ZZ_ONLY").ok().and_then(|v| v.parse().ok());
    let options = xapi_doctor::Options::default();
    let wire = std::env::var("ZZ_WIRE").is_ok_and(|v| v == "1");
    let mut texts = xapi_doctor::json::SentTexts::default();
    let mut findings = 0;
    for (i, input) in inputs.iter().enumerate() {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        for _ in 0..n {
            let d = if i == 0 { xapi_doctor::diagnose_text(input, &options) } else { xapi_doctor::diagnose_json(input, &options) };
            if let (true, Ok(d)) = (wire, &d) {
                let mut out = Vec::new();
                xapi_doctor::json::write_wire(&mut out, d, &mut texts).expect("written");
                findings += out.len();
            }
            findings += d.map_or(0, |d| d.findings.len());
        }
    }
    println!("{findings}");
}

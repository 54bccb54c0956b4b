//! Analyses an SMlog file with the streaming scanner and prints the report as JSON:
//! `cargo run --release --example smlog -- FILE [CHUNK_BYTES]`.
use std::io::Read;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: smlog FILE [CHUNK_BYTES]");
        std::process::exit(2);
    };
    let chunk: usize = args.get(1).and_then(|c| c.parse().ok()).unwrap_or(1 << 20);
    let mut file = std::fs::File::open(path).expect("opening the file");
    let mut scanner = xapi_doctor::SmlogScanner::new(xapi_doctor::Options::default());
    let mut buf = vec![0u8; chunk.max(1)];
    let start = std::time::Instant::now();
    loop {
        let n = file.read(&mut buf).expect("reading the file");
        if n == 0 {
            break;
        }
        scanner.push(&buf[..n]);
    }
    let report = scanner.finish().expect("a fresh scanner");
    eprintln!("analysed in {:?}", start.elapsed());
    println!("{}", serde_json::to_string_pretty(&report).expect("serialising"));
}

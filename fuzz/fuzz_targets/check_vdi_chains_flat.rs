//! The chain check on flat records (`src/chain/flat.rs`, what `pkg/chain-records.js` sends):
//! any words, numbers, string boundaries and text give a report or an `INVALID_RECORDS` /
//! `INPUT_TOO_LARGE` error, never a panic, and the report serialises. Input: `u32` counts,
//! little-endian, each followed by its items — words, numbers (`f64`), string ends — then the
//! text (the seeds are small pools as the wrapper writes them).
#![no_main]
use libfuzzer_sys::fuzz_target;
use xapi_doctor::{check_vdi_chains_flat, ChainOptions, Tolerance};

/// The core's field names, in the wrapper's order (`FIELDS` in pkg/chain-records.js).
const FIELDS: &str = "$ref\n_xapiRef\nid\nuuid\nname_label\nname-label\nnameLabel\ntype\nSR_type\nVBDs\n$VBDs\nis_a_snapshot\nis_a_template\nis_control_domain\nsnapshot_of\n$snapshot_of\nsnapshot_time\nsnapshot-time\nVM\n$VM\nVDI\n$VDI\nis_cd_drive\nmanaged\nsm_config\nsm-config\nparent\nSR\n$SR\nvirtual_size\nvirtual-size\nsize\nphysical_utilisation\nphysical-utilisation\nusage\nphysical_size\nphysical-size\nphysical_usage\nVDIs\n$VDIs";

fn take<'d>(data: &mut &'d [u8], n: usize) -> &'d [u8] {
    let (head, tail) = data.split_at(n.min(data.len()));
    *data = tail;
    head
}

fn count(data: &mut &[u8], size: usize) -> usize {
    let b = take(data, 4);
    let n = if b.len() == 4 { u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize } else { 0 };
    n.min(data.len() / size)
}

fuzz_target!(|data: &[u8]| {
    let mut d = data;
    let graph = d.first().is_none_or(|b| b & 1 == 0);
    let tolerance = Tolerance::Limit(u64::from(d.first().map_or(1, |b| b >> 1)));
    take(&mut d, 1);
    let n = count(&mut d, 4);
    let words: Vec<u32> = take(&mut d, 4 * n).chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let n = count(&mut d, 8);
    let numbers: Vec<f64> = take(&mut d, 8 * n).chunks_exact(8).map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect();
    let n = count(&mut d, 4);
    let ends: Vec<u32> = take(&mut d, 4 * n).chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let options = ChainOptions { tolerance, graph, ..ChainOptions::default() };
    if let Ok((report, columns)) = check_vdi_chains_flat(&words, &numbers, d, &ends, FIELDS, &options) {
        serde_json::to_string(&report).expect("the report serialises");
        assert_eq!(columns.graph.is_some(), graph);
    }
});

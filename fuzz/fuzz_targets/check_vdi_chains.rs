//! The chain check on pool records built as a graph (refs, dangling refs, self-parents, loops,
//! missing parents, duplicate uuids, sizes that are huge, negative, fractional or strings,
//! managed flags of every type, both XAPI and xo-server shapes), with any tolerance. When the
//! records are clean, each VM's verdict is compared with a literal reference model of Xen
//! Orchestra's walk (`xapi_doctor_fuzz::model_vm`). Input starting with `{` or `[` is records
//! JSON text as is.
#![no_main]
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use xapi_doctor::{check_vdi_chains, ChainOptions, Tolerance};
use xapi_doctor_fuzz::{model_vm, records, tolerance, ModelOutcome};

fuzz_target!(|data: &[u8]| {
    if matches!(data.first(), Some(b'{' | b'[')) {
        if let Ok(report) = check_vdi_chains(&String::from_utf8_lossy(data), &ChainOptions::default()) {
            serde_json::to_string(&report).expect("the report serialises");
        }
        return;
    }
    let mut u = Unstructured::new(data);
    let Ok(tol) = tolerance(&mut u) else { return };
    let graph = u.ratio(1, 2).unwrap_or(true);
    let Ok(generated) = records(&mut u) else { return };
    let text = generated.json.to_string();
    let report = check_vdi_chains(&text, &ChainOptions { tolerance: tol, graph, ..ChainOptions::default() }).expect("generated records are usable");
    serde_json::to_string(&report).expect("the report serialises");

    let Some((vdis, vms)) = generated.model else { return };
    let limit = match tol {
        Tolerance::Limit(n) if n > 64 => return,
        Tolerance::Limit(n) => Some(n),
        Tolerance::Unlimited => None,
    };
    for vm in &vms {
        let Some(got) = report.vms.iter().find(|r| r.vm_ref == vm.key) else { panic!("VM {} missing from the report", vm.key) };
        let expected = model_vm(&vdis, vm, limit);
        let actual = if got.would_skip {
            ModelOutcome::Trips(got.tripped_by.clone().unwrap_or_default())
        } else if got.check_never_ends {
            ModelOutcome::NeverEnds
        } else {
            ModelOutcome::Passes
        };
        assert_eq!(actual, expected, "verdict of {} with tolerance {tol:?}; records: {text}", vm.key);
    }
});

//! The snapshot space plan on `{ sr, vdis, concurrency, hostVersion, srVdis }` built from
//! generated records (odd sizes, odd concurrency), checked for consistency: the concurrency is
//! at most the number of disks, a plan that fits needs no more than the free space, and the
//! largest concurrency that fits is at least the planned one when it fits. Input starting
//! with `{` or `[` is JSON text as is.
#![no_main]
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use xapi_doctor::plan_snapshot_space;
use xapi_doctor_fuzz::{number, records, WORDS};

fuzz_target!(|data: &[u8]| {
    let text = if matches!(data.first(), Some(b'{' | b'[')) {
        String::from_utf8_lossy(data).into_owned()
    } else {
        let mut u = Unstructured::new(data);
        let Ok(generated) = records(&mut u) else { return };
        let sr = match generated.json["SR"].as_object().and_then(|m| m.values().next()) {
            Some(sr) => sr.clone(),
            None => json!({ "type": "lvm" }),
        };
        let vdis = generated.json["VDI"].clone();
        let mut input = json!({ "sr": sr, "vdis": vdis });
        match u.int_in_range(0..=4).unwrap_or(0) {
            0 => {}
            1 => input["concurrency"] = json!(u.int_in_range(0u64..=30).unwrap_or(1)),
            2 => input["concurrency"] = number(&mut u).unwrap_or(Value::Null),
            3 => input["concurrency"] = json!(*u.choose(WORDS).unwrap_or(&"2")),
            _ => input["srVdis"] = generated.json["VDI"].clone(),
        }
        if u.ratio(1, 3).unwrap_or(false) {
            input["hostVersion"] = json!(*u.choose(&["6.1.0", "8.2.1", "7", "", "x"]).unwrap_or(&"6.1"));
        }
        input.to_string()
    };
    let Ok(plan) = plan_snapshot_space(&text) else { return };
    serde_json::to_string(&plan).expect("the plan serialises");
    assert!(plan.concurrency <= plan.per_vdi.len() as u64);
    if let (Some(true), Some(free)) = (plan.fits, plan.free_bytes) {
        assert!(plan.required_bytes <= free);
        assert!(plan.max_concurrency.unwrap_or(0) >= plan.concurrency);
    }
});

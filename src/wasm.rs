//! The WebAssembly boundary, and the only module that knows wasm-bindgen: it turns JavaScript
//! values into the core's inputs and the core's results into plain objects (`null`, never
//! `undefined`, for absent values). Errors become JavaScript `Error`s with a stable `code`.
//!
//! Objects are passed through `JSON.stringify` and parsed by serde_json rather than walked
//! field by field: the native stringify and serde_json's recursion limit bound the cost of
//! hostile, deeply nested or cyclic objects, which a recursive walk of the JS value would not.
//! Results go out the same way, as serde_json text parsed by the engine's `JSON.parse`: plain
//! objects, `null` for absent values, counts as numbers (see `model::as_js_number`). One string
//! crossing the boundary is faster than a call per property (issue 13: `diagnose` of one error
//! went from ~40 to ~28 µs here) and leaves serde-wasm-bindgen out of the module.

use std::alloc::GlobalAlloc;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::options::Options;

fn js_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(code));
    error.into()
}

impl From<crate::Error> for JsValue {
    fn from(e: crate::Error) -> JsValue {
        js_error(e.code(), &e.to_string())
    }
}

/// Runs when the module is instantiated: the keys of the chain check's record indexes come from
/// JavaScript's randomness (std has none on this target and would use fixed keys, which an input
/// could be crafted against).
#[wasm_bindgen(start)]
pub fn start() {
    let bits = || (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    let (a, b, c, d) = (bits(), bits(), bits(), bits());
    crate::chain::records::seed_hash_keys(a ^ (c << 11), b ^ (d << 11));
}

/// Serialises a result as plain JavaScript objects: as JSON text, parsed by the engine's
/// `JSON.parse`. One string crosses the boundary instead of one call per property, which is
/// several times faster for every result size, and the module carries no second serialiser.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = json_text(value)?;
    js_sys::JSON::parse(&text).map_err(|_| js_error("INTERNAL", "could not convert the result"))
}

/// serde_json's text of a result, written through [`crate::json::SmallWrites`] into a buffer sized for a
/// typical diagnosis (no regrowing for one error).
fn json_text<T: Serialize>(value: &T) -> Result<String, JsValue> {
    let mut out = crate::json::SmallWrites(Vec::with_capacity(4096));
    serde_json::to_writer(&mut out, value).map_err(|e| js_error("INTERNAL", &format!("could not convert the result: {e}")))?;
    // SAFETY: serde_json writes only valid UTF-8 (its own `to_string` relies on the same).
    Ok(unsafe { String::from_utf8_unchecked(out.0) })
}

/// `JSON.stringify(value)`, as an `INVALID_INPUT` error when it throws (cycles, BigInt).
fn stringify(value: &JsValue, what: &str, code: &str) -> Result<String, JsValue> {
    match js_sys::JSON::stringify(value) {
        Ok(s) => s.as_string().ok_or_else(|| js_error(code, &format!("{what} cannot be converted to JSON"))),
        Err(e) => {
            let reason = e
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_else(|| "JSON.stringify failed".to_string());
            Err(js_error(code, &format!("{what} cannot be converted to JSON: {reason}")))
        }
    }
}

fn options_from(value: &JsValue) -> Result<Options, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Options::default());
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(js_error("INVALID_OPTIONS", "options must be an object"));
    }
    let json = stringify(value, "options", "INVALID_OPTIONS")?;
    Ok(Options::from_json(&json)?)
}

/// What a JavaScript caller passed as the input.
enum Input {
    Text(String),
    Bytes(Vec<u8>),
    Json(String),
}

fn input_from(value: &JsValue, function: &str) -> Result<Input, JsValue> {
    if let Some(s) = value.as_string() {
        return Ok(Input::Text(s));
    }
    if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(Input::Bytes(bytes.to_vec()));
    }
    if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(Input::Bytes(js_sys::Uint8Array::new(buffer).to_vec()));
    }
    if value.is_object() {
        return Ok(Input::Json(stringify(value, "the input", "INVALID_INPUT")?));
    }
    let got = value.js_typeof().as_string().unwrap_or_default();
    let got = if value.is_null() { "null".to_string() } else { got };
    Err(js_error(
        "INVALID_INPUT",
        &format!("{function}() takes a string, a Uint8Array or an object; it was given {got}"),
    ))
}

/// Diagnoses any input: a XAPI error in any shape, a Xen Orchestra error or backup log, SMlog
/// text or bytes, or free text.
#[wasm_bindgen(js_name = diagnose)]
pub fn diagnose(input: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = options_from(&options)?;
    let diagnosis = match input_from(&input, "diagnose")? {
        Input::Text(s) => crate::diagnose_text(&s, &options)?,
        Input::Bytes(b) => crate::diagnose_bytes(&b, &options)?,
        Input::Json(j) => crate::diagnose_json(&j, &options)?,
    };
    let mut out = Vec::with_capacity(4096);
    crate::json::write_diagnosis(&mut out, &diagnosis).map_err(|e| js_error("INTERNAL", &format!("could not convert the result: {e}")))?;
    // SAFETY: the writer copies whole `str`s and ASCII only, so the text is valid UTF-8.
    let text = unsafe { String::from_utf8_unchecked(out) };
    js_sys::JSON::parse(&text).map_err(|_| js_error("INTERNAL", "could not convert the result"))
}

/// `diagnose` for the package's wrappers (not part of the API): the result in the compact form
/// of `json::write_wire`, which `pkg/diagnosis-wire.js` turns into the same object as
/// [`diagnose`]'s. The texts it numbers are remembered per instance, as the wrapper's table is.
#[wasm_bindgen(js_name = __diagnoseWire)]
pub fn diagnose_wire(input: JsValue, options: JsValue) -> Result<String, JsValue> {
    let options = options_from(&options)?;
    let input = input_from(&input, "diagnose")?;
    wire_of(input, &options)
}

/// [`diagnose_wire`] of an object the wrapper has already turned into JSON text (with the same
/// `JSON.stringify`): the module does not call back into JavaScript for it.
#[wasm_bindgen(js_name = __diagnoseJsonWire)]
pub fn diagnose_json_wire(json: String, options: JsValue) -> Result<String, JsValue> {
    let options = options_from(&options)?;
    wire_of(Input::Json(json), &options)
}

/// [`diagnose_wire`] of a string, which wasm-bindgen copies in as the call's argument: the
/// module does not call back into JavaScript to read it.
#[wasm_bindgen(js_name = __diagnoseTextWire)]
pub fn diagnose_text_wire(text: String, options: JsValue) -> Result<String, JsValue> {
    let options = options_from(&options)?;
    wire_of(Input::Text(text), &options)
}

fn wire_of(input: Input, options: &Options) -> Result<String, JsValue> {
    let diagnosis = match input {
        Input::Text(s) => crate::diagnose_text(&s, options)?,
        Input::Bytes(b) => crate::diagnose_bytes(&b, options)?,
        Input::Json(j) => crate::diagnose_json(&j, options)?,
    };
    // (Sized by `write_wire`, which knows the length: one error's result is ~200-300 bytes.)
    let mut out = Vec::new();
    SENT_TEXTS
        .with_borrow_mut(|texts| crate::json::write_wire(&mut out, &diagnosis, texts))
        .map_err(|e| js_error("INTERNAL", &format!("could not convert the result: {e}")))?;
    // SAFETY: the writer copies whole `str`s and ASCII only, so the text is valid UTF-8.
    Ok(unsafe { String::from_utf8_unchecked(out) })
}

thread_local! {
    /// The texts `__diagnoseWire` has sent to this instance's wrapper.
    static SENT_TEXTS: std::cell::RefCell<crate::json::SentTexts> = std::cell::RefCell::default();
}

/// Every rule of the catalogue.
#[wasm_bindgen(js_name = listRules)]
pub fn list_rules() -> Result<JsValue, JsValue> {
    to_js(&crate::list_rules())
}

/// The package version.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    crate::VERSION.to_string()
}

// ---- VDI chains and snapshot space --------------------------------------------------------

/// `options.tolerance` read from the JavaScript value itself, before any JSON conversion (which
/// would turn `NaN` into `null`): absent, `undefined` or `null` give the default (1); a number,
/// string or boolean is converted as Xen Orchestra's `tolerance-- <= 0` would.
fn chain_options_from(value: &JsValue) -> Result<crate::ChainOptions, JsValue> {
    use crate::chain::protection::js_string_to_number;
    use crate::Tolerance;
    if value.is_undefined() || value.is_null() {
        return Ok(crate::ChainOptions::default());
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(js_error("INVALID_OPTIONS", "options must be an object { tolerance, graph }"));
    }
    // A getter that throws reads as absent.
    let t = js_sys::Reflect::get(value, &JsValue::from_str("tolerance")).unwrap_or(JsValue::UNDEFINED);
    let tolerance = if t.is_undefined() || t.is_null() {
        Tolerance::default()
    } else if let Some(n) = t.as_f64() {
        Tolerance::from_js_number(n)
    } else if let Some(s) = t.as_string() {
        Tolerance::from_js_number(js_string_to_number(&s))
    } else if let Some(b) = t.as_bool() {
        Tolerance::from_js_number(if b { 1.0 } else { 0.0 })
    } else {
        Tolerance::Unlimited
    };
    let graph = js_sys::Reflect::get(value, &JsValue::from_str("graph")).unwrap_or(JsValue::UNDEFINED);
    let graph = match graph.as_bool() {
        Some(b) => b,
        None if graph.is_undefined() || graph.is_null() => true,
        None => return Err(js_error("INVALID_OPTIONS", "options.graph must be a boolean")),
    };
    Ok(crate::ChainOptions { tolerance, graph, limits: record_limits_from(value)? })
}

/// `maxInputBytes` and `maxRecords` of an options object (absent, `undefined` or `null`: the
/// default; otherwise a whole number of at least 0).
fn record_limits_from(value: &JsValue) -> Result<crate::RecordLimits, JsValue> {
    let limit = |name: &str| -> Result<Option<u64>, JsValue> {
        // A getter that throws reads as absent.
        let v = js_sys::Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        let Some(f) = v.as_f64() else {
            let got = v.js_typeof().as_string().unwrap_or_default();
            return Err(js_error("INVALID_OPTIONS", &format!("`{name}` must be a whole number of at least 0; it is a {got}")));
        };
        crate::options::limit_from_f64(name, f).map(Some).map_err(|m| js_error("INVALID_OPTIONS", &m))
    };
    Ok(crate::RecordLimits { max_input_bytes: limit("maxInputBytes")?, max_records: limit("maxRecords")? })
}

/// Records (an object, or its JSON text) as JSON text.
fn records_from(value: &JsValue, function: &str, what: &str) -> Result<String, JsValue> {
    if let Some(s) = value.as_string() {
        return Ok(s);
    }
    if value.is_object() {
        return stringify(value, what, "INVALID_RECORDS");
    }
    Err(js_error("INVALID_RECORDS", &format!("{function}() takes {what} as an object (or its JSON text)")))
}

/// Checks the VDI chains of `{ VM, VBD, VDI, SR }` records.
#[wasm_bindgen(js_name = checkVdiChains)]
pub fn check_vdi_chains(records: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = chain_options_from(&options)?;
    let json = records_from(&records, "checkVdiChains", "the records { VM, VBD, VDI, SR }")?;
    to_js(&crate::check_vdi_chains(&json, &options)?)
}

/// `checkVdiChains` on the flat records of `pkg/chain-records.js` (not part of the API): returns
/// `[report as JSON text (its vms empty, its graph null), extra strings, VM words, graph words,
/// graph numbers]` (the last two when `options.graph`; see `chain::flat::Columns`).
#[wasm_bindgen(js_name = __checkVdiChainsFlat)]
pub fn check_vdi_chains_flat(words: &[u32], numbers: &[f64], text: &[u8], ends: &[u32], field_names: &str, options: JsValue) -> Result<JsValue, JsValue> {
    let options = chain_options_from(&options)?;
    let (report, columns) = crate::check_vdi_chains_flat(words, numbers, text, ends, field_names, &options)?;
    let json = json_text(&report)?;
    let out = js_sys::Array::new();
    out.push(&JsValue::from_str(&json));
    out.push(&columns.extra.iter().map(|s| JsValue::from_str(s)).collect::<js_sys::Array>());
    out.push(&js_sys::Int32Array::from(&columns.vms[..]));
    if let Some((words, numbers)) = columns.graph {
        out.push(&js_sys::Int32Array::from(&words[..]));
        out.push(&js_sys::Float64Array::from(&numbers[..]));
    }
    Ok(out.into())
}

/// Plans the snapshots a job takes at once on one SR.
#[wasm_bindgen(js_name = planSnapshotSpace)]
pub fn plan_snapshot_space(input: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let limits = if options.is_undefined() || options.is_null() {
        crate::RecordLimits::default()
    } else if !options.is_object() || js_sys::Array::is_array(&options) {
        return Err(js_error("INVALID_OPTIONS", "options must be an object { maxInputBytes, maxRecords }"));
    } else {
        record_limits_from(&options)?
    };
    let json = records_from(&input, "planSnapshotSpace", "the plan input { sr, vdis, concurrency, hostVersion }")?;
    to_js(&crate::plan_snapshot_space_with(&json, &limits)?)
}

// ---- SMlog -------------------------------------------------------------------------------

/// Bytes of SMlog input: a `Uint8Array` (or `ArrayBuffer`) copied as it is, or a string.
enum SmlogInput {
    Text(String),
    Bytes(Vec<u8>),
}

fn smlog_input(value: &JsValue, function: &str) -> Result<SmlogInput, JsValue> {
    if let Some(s) = value.as_string() {
        return Ok(SmlogInput::Text(s));
    }
    if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(SmlogInput::Bytes(bytes.to_vec()));
    }
    if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(SmlogInput::Bytes(js_sys::Uint8Array::new(buffer).to_vec()));
    }
    let got = if value.is_null() { "null".to_string() } else { value.js_typeof().as_string().unwrap_or_default() };
    Err(js_error("INVALID_INPUT", &format!("{function}() takes a string or a Uint8Array; it was given {got}")))
}

/// Analyses SMlog text or bytes whole: findings, coalesce summary, timeline.
#[wasm_bindgen(js_name = analyzeSmlog)]
pub fn analyze_smlog(input: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = options_from(&options)?;
    let report = match smlog_input(&input, "analyzeSmlog")? {
        SmlogInput::Text(s) => {
            options.check_size(s.len())?;
            crate::analyze_smlog(s.as_bytes(), &options)
        }
        SmlogInput::Bytes(b) => {
            options.check_size(b.len())?;
            crate::analyze_smlog(&b, &options)
        }
    };
    report_to_js(&report)
}

/// The SMlog report as plain objects, through JSON: one string crosses the boundary and the
/// engine's native `JSON.parse` builds the objects, instead of one call per property (the
/// report of a big log has thousands of timeline entries). Same values as [`to_js`].
fn report_to_js(report: &crate::SmlogReport) -> Result<JsValue, JsValue> {
    let json = json_text(report)?;
    js_sys::JSON::parse(&json).map_err(|_| js_error("INTERNAL", "could not convert the result"))
}

/// Reads an SMlog in chunks of any size (a file streamed from disk or from the browser).
#[wasm_bindgen(js_name = SmlogScanner)]
pub struct SmlogScanner {
    inner: crate::SmlogScanner,
    /// Reused for each `Uint8Array` chunk, so pushing allocates nothing once warm.
    scratch: Vec<u8>,
}

#[wasm_bindgen(js_class = SmlogScanner)]
impl SmlogScanner {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<SmlogScanner, JsValue> {
        Ok(SmlogScanner { inner: crate::SmlogScanner::new(options_from(&options)?), scratch: Vec::new() })
    }

    /// Feeds the next chunk: a `Uint8Array` (bytes as read) or a string.
    pub fn push(&mut self, chunk: JsValue) -> Result<(), JsValue> {
        if self.inner.is_finished() {
            return Err(crate::Error::ScannerFinished.into());
        }
        if let Some(s) = chunk.as_string() {
            return Ok(self.inner.push(s.as_bytes())?);
        }
        let bytes = if let Some(b) = chunk.dyn_ref::<js_sys::Uint8Array>() {
            b.clone()
        } else if let Some(buffer) = chunk.dyn_ref::<js_sys::ArrayBuffer>() {
            js_sys::Uint8Array::new(buffer)
        } else {
            let got = if chunk.is_null() { "null".to_string() } else { chunk.js_typeof().as_string().unwrap_or_default() };
            return Err(js_error("INVALID_INPUT", &format!("SmlogScanner.push() takes a string or a Uint8Array; it was given {got}")));
        };
        let len = bytes.length() as usize;
        self.scratch.resize(len, 0);
        bytes.copy_to(&mut self.scratch);
        let pushed = self.inner.push(&self.scratch);
        if self.scratch.capacity() > 16 * 1024 * 1024 {
            // A one-off huge chunk: do not keep its buffer for the scanner's lifetime.
            self.scratch = Vec::new();
        }
        Ok(pushed?)
    }

    /// Ends the input and returns the report; a second call throws `SCANNER_FINISHED`.
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        let report = self.inner.finish()?;
        self.scratch = Vec::new();
        report_to_js(&report)
    }
}

/// Bytes of WebAssembly memory in use (for the benchmark's memory measurement).
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// Traps on purpose (the `unreachable` instruction, as a panic or an out-of-memory abort does):
/// the tests use it to check that the JavaScript entries recover with a fresh instance. Not part
/// of the API: absent from the types and the documentation.
#[wasm_bindgen(js_name = __trapForTests)]
pub fn trap_for_tests() {
    core::arch::wasm32::unreachable()
}

// ---- Memory growth --------------------------------------------------------------------------

/// The global allocator: the standard one (dlmalloc), which grows the WebAssembly memory by just
/// what each allocation lacks — 64 KiB at a time for small ones. V8 answers every `memory.grow`
/// with work for its garbage collector: checking a pool of 100,000 VDIs (a 77 MB JSON) grew the
/// memory ~2,400 times and ran 567 full GCs, which made the first call 3.5× slower than the next
/// (3.2 s against 0.9 s). So when an allocation has just grown the memory, a quarter of the
/// memory more is allocated and freed at once: it joins dlmalloc's free top of the heap, the
/// next allocations take from it, and the memory grows geometrically — O(log n) grows (7 GCs,
/// 1.1 s for that pool), at most a quarter of the memory unused.
struct GrowGeometrically;

static GROWING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

impl GrowGeometrically {
    /// After an allocation that grew the memory from `before` pages: reserve a quarter more.
    fn after_growth(before: usize) {
        use core::sync::atomic::Ordering::Relaxed;
        let now = core::arch::wasm32::memory_size(0);
        if now <= before || GROWING.swap(true, Relaxed) {
            return;
        }
        // In pages first: `now * 65536` overflows a 32-bit usize once the memory reaches 4 GiB.
        let bytes = (now / 4).saturating_mul(65536);
        if let Ok(layout) = std::alloc::Layout::from_size_align(bytes, 16) {
            if layout.size() > 0 {
                // SAFETY: a fresh block of a valid, non-zero layout, freed at once with that layout.
                unsafe {
                    let block = std::alloc::System.alloc(layout);
                    if !block.is_null() {
                        std::alloc::System.dealloc(block, layout);
                    }
                }
            }
        }
        GROWING.store(false, Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged; the reservation only allocates and frees
// a block of its own.
unsafe impl std::alloc::GlobalAlloc for GrowGeometrically {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let before = core::arch::wasm32::memory_size(0);
        let p = std::alloc::System.alloc(layout);
        Self::after_growth(before);
        p
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let before = core::arch::wasm32::memory_size(0);
        let p = std::alloc::System.alloc_zeroed(layout);
        Self::after_growth(before);
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        std::alloc::System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let before = core::arch::wasm32::memory_size(0);
        let p = std::alloc::System.realloc(ptr, layout, new_size);
        Self::after_growth(before);
        p
    }
}

#[global_allocator]
static ALLOCATOR: GrowGeometrically = GrowGeometrically;

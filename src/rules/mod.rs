//! The diagnosis rules and the engine that runs them.
//!
//! A rule is data ([`RuleInfo`]: id, title, category, severity, what triggers it, an example)
//! plus a small function that confirms the match and renders the finding with the facts of the
//! input filled in. Rules live one family per file; [`registry`] is the one list of all of them,
//! from which `listRules()`, RULES.md and the TypeScript union of rule ids are generated.
//!
//! Evaluation is two-staged: [`evaluate`] picks the candidate rules of an event by its code or by
//! a literal marker of its message (stage 1), then each candidate's function confirms and renders
//! (stage 2). A XAPI error no specific rule claims still gets the catalogue's decoding through the
//! generic rules, so no code goes unexplained.



use std::borrow::Cow;
use std::sync::LazyLock;
use crate::input::{Event, XapiError, XoError};
pub use crate::catalog::{parse_version, sr_family, SrFamily};
pub use crate::model::{find_uuid, human_bytes, push_evidence, Findings, RuleInfo, CONSIDERED_PER_RETURNED, MAX_EVIDENCE};
use crate::model::{Confidence, Finding, Link, Params, Quotation, Step, Subject};
use crate::options::Options;

/// `parts` joined, as a step's or command's text. When `$fixed` (the parts do not depend on the
/// input: a subject that is not known, as in nearly every one-error input) the text is the same
/// on every call, so it is joined once per process and borrowed (one allocation fewer per text
/// and call; bench/README.md, perf8). Each use has its own cell, so `$fixed` must say whether
/// *these* parts are the fixed ones.
macro_rules! joined {
    ($fixed:expr; $($part:expr),+ $(,)?) => {{
        static JOINED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        $crate::rules::join_once($fixed, &JOINED, &[$($part),+])
    }};
}

/// A step that reads xo-server's log: `$lead`, where that log is (journald keeps it under the unit
/// `xo-server` on XOA and on installs that run it as that unit), and `journalctl`'s output of the
/// last two hours piped into `$filter`. One wording for every rule that sends the reader there.
macro_rules! xo_server_log_step {
    ($f:expr, $lead:literal, $filter:literal) => {
        $f.step_cmd(
            concat!($lead, " (on XOA, or any install that runs xo-server as the systemd unit xo-server; otherwise wherever its service manager keeps its output)."),
            concat!("journalctl -u xo-server --since '-2h' | ", $filter),
        )
    };
}

/// The body of [`joined!`].
pub(crate) fn join_once(fixed: bool, cell: &'static std::sync::OnceLock<String>, parts: &[&str]) -> Cow<'static, str> {
    if fixed {
        Cow::Borrowed(cell.get_or_init(|| parts.concat()).as_str())
    } else {
        Cow::Owned(parts.concat())
    }
}

pub mod availability;
pub mod chain;
pub mod chain_check;
pub mod generic;
pub mod in_use;
pub mod io;
pub mod licence;
pub mod codes;
pub mod placeholders;
pub mod pool;
pub mod signatures;
pub mod snapshot;
pub mod resemblance;
pub mod wording;
pub mod space;
pub mod space_plan;
pub mod xo_backup;
pub mod xo_release;

// SMlog rules (issue 3): one family per file, plus the glue that maps SMlog episodes to them.
pub mod smlog;
pub mod smlog_benign;
pub mod smlog_calls;
pub mod smlog_coalesce;
pub mod smlog_gc;
pub mod smlog_locks;
pub mod smlog_lvm;
pub mod smlog_space;
pub mod smlog_tapdisk;
pub mod smlog_vhd;
pub use smlog::{render_smlog_group, smlog_rule_of};

/// How the engine finds the candidate events of a rule.
pub enum Matcher {
    /// XAPI errors with one of these codes or one of these `SR_BACKEND_FAILURE_<n>` values.
    Xapi {
        codes: &'static [&'static str],
        sr_values: &'static [u32],
        build: fn(&XapiError, &Facts) -> Option<Finding>,
    },
    /// Xen Orchestra errors whose message contains one of these markers (ASCII
    /// case-insensitive), or whose `code` is one of these (Node errno such as `ENOSPC`).
    Xo {
        markers: &'static [&'static str],
        codes: &'static [&'static str],
        build: fn(&XoError, &Facts) -> Option<Finding>,
    },
    /// Evaluated by another analyser (SMlog, chain check, space plan); registered here so that
    /// the rule is documented and listed with the others.
    External,
    /// A signature of `data/signatures/*.toml`, matched on the text of every input by
    /// [`signatures::scan`].
    Signature(&'static signatures::Signature),
}

pub struct Rule {
    pub info: &'static RuleInfo,
    pub matcher: Matcher,
}

/// Every rule family, in documentation order.
static FAMILIES: &[&[Rule]] = &[
    space::RULES,
    chain::RULES,
    snapshot::RULES,
    availability::RULES,
    in_use::RULES,
    io::RULES,
    licence::RULES,
    pool::RULES,
    xo_backup::RULES,
    xo_release::RULES,
    // SMlog rules (issue 3).
    smlog_coalesce::RULES,
    smlog_space::RULES,
    smlog_vhd::RULES,
    smlog_locks::RULES,
    smlog_gc::RULES,
    smlog_tapdisk::RULES,
    smlog_lvm::RULES,
    smlog_calls::RULES,
    smlog_benign::RULES,
    generic::RULES,
    codes::RULES,
    // Then the signatures (data/signatures/*.toml, read on first use: `registry`).
];

/// The families after the signatures: records-side checks (chain check, space plan).
static FAMILIES_AFTER_SIGNATURES: &[&[Rule]] = &[chain_check::RULES, space_plan::RULES];

/// All rules, in documentation order.
pub fn registry() -> impl Iterator<Item = &'static Rule> {
    // Flattened once: evaluating an event walks every rule, and a slice is the cheapest walk.
    static ALL: LazyLock<Vec<&'static Rule>> = LazyLock::new(|| {
        let signatures: &'static [Rule] = &signatures::SIGNATURE_RULES;
        FAMILIES.iter().flat_map(|family| family.iter()).chain(signatures).chain(FAMILIES_AFTER_SIGNATURES.iter().flat_map(|family| family.iter())).collect()
    });
    ALL.iter().copied()
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    registry().find(|r| r.info.id == id)
}

/// Every marker a Xen Orchestra rule reacts to, for the free-text extractor.
pub fn xo_markers() -> impl Iterator<Item = &'static str> {
    registry().flat_map(|r| match &r.matcher {
        Matcher::Xo { markers, .. } => markers.iter().copied(),
        _ => [].iter().copied(),
    })
}

/// Each rule's Xen Orchestra markers (in registry order), lower-cased once: matching a message
/// (already lower-cased) then allocates nothing.
pub fn lower_markers() -> &'static [Vec<String>] {
    static LOWER: std::sync::OnceLock<Vec<Vec<String>>> = std::sync::OnceLock::new();
    LOWER.get_or_init(|| {
        registry()
            .map(|r| match &r.matcher {
                Matcher::Xo { markers, .. } => markers.iter().map(|m| m.to_ascii_lowercase()).collect(),
                _ => Vec::new(),
            })
            .collect()
    })
}

/// The findings of a chain analysis (handed to `chain::check_json` by `lib.rs`).
pub fn chain_findings(analysis: &crate::chain::Analysis<'_, '_>) -> Vec<Finding> {
    let mut f = chain_check::findings(analysis);
    f.extend(space_plan::chain_findings(analysis));
    f
}

/// A space plan with its findings.
pub fn with_space_findings(mut plan: crate::chain::SpacePlan) -> crate::chain::SpacePlan {
    plan.findings = space_plan::findings(&plan, plan.host_version.as_deref());
    plan
}

/// Every Xen Orchestra marker, lower-cased, in one list: what the free-text reader of the input
/// layer is handed (`input::parse_text`), so that it turns such lines into events.
pub fn xo_markers_lower() -> &'static [String] {
    static FLAT: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FLAT.get_or_init(|| lower_markers().iter().flatten().cloned().collect())
}

/// The facts a rule renders its finding with: what the event says about its subject, completed
/// by what the caller's `options.context` knows.
pub struct Facts {
    pub subject: Subject,
    pub sr_type: Option<String>,
    pub host_version: Option<String>,
    pub product: Option<String>,
    /// The xo-server the caller runs (`options.context.xoServerVersion`).
    pub xo_server_version: Option<String>,
}

impl Facts {
    pub fn new(subject: &Subject, options: &Options) -> Facts {
        let c = &options.context;
        // The context's fields fill the ones the subject lacks (`Subject::fill_from`), each field
        // copied once into place (not the subject copied and then completed).
        let either = |own: &Option<String>, context: &Option<String>| own.as_ref().or(context.as_ref()).cloned();
        Facts {
            subject: Subject {
                vm_uuid: either(&subject.vm_uuid, &c.vm_uuid),
                vm_name: either(&subject.vm_name, &c.vm_name),
                vdi_uuid: subject.vdi_uuid.clone(),
                sr_uuid: either(&subject.sr_uuid, &c.sr_uuid),
                sr_name: either(&subject.sr_name, &c.sr_name),
                host: subject.host.clone(),
                job_id: subject.job_id.clone(),
                job_name: subject.job_name.clone(),
                task_id: subject.task_id.clone(),
                task: subject.task.clone(),
                task_status: subject.task_status.clone(),
            },
            sr_type: c.sr_type.clone(),
            host_version: c.host_version.clone(),
            product: c.product.clone(),
            xo_server_version: c.xo_server_version.clone(),
        }
    }

    /// The VM, SR and VDI that an error's handle parameters name by uuid (`xe` prints a handle
    /// as `vm: <uuid> (<name>)`), where the subject lacks them: the steps' commands then name
    /// them instead of a placeholder. An OpaqueRef is no uuid and is left alone.
    pub fn fill_from_handles(&mut self, e: &XapiError) {
        for (name, slot) in
            [("vm", &mut self.subject.vm_uuid), ("sr", &mut self.subject.sr_uuid), ("vdi", &mut self.subject.vdi_uuid)]
        {
            if slot.is_some() {
                continue;
            }
            let Some(value) = e.param(name) else { continue };
            let Some(uuid) = crate::model::uuid_prefix(value.trim()) else { continue };
            // (`uuid_prefix` found 36 ASCII bytes: index 36 is a character boundary.)
            let ends = value.trim()[36..].chars().next().is_none_or(|c| c == ' ');
            if ends {
                *slot = Some(uuid.to_string());
            }
        }
    }

    pub fn vm_uuid(&self) -> &str {
        self.subject.vm_uuid.as_deref().unwrap_or("<vm-uuid>")
    }

    pub fn sr_uuid(&self) -> &str {
        self.subject.sr_uuid.as_deref().unwrap_or("<sr-uuid>")
    }

    pub fn vdi_uuid(&self) -> &str {
        self.subject.vdi_uuid.as_deref().unwrap_or("<vdi-uuid>")
    }

    /// "the VM web-01" / "the VM" — for prose. (Borrowed when the VM is not known, as in most
    /// one-error inputs: no allocation for it.)
    pub fn vm_phrase(&self) -> Cow<'static, str> {
        match (&self.subject.vm_name, &self.subject.vm_uuid) {
            (Some(n), _) => format!("the VM \u{201c}{n}\u{201d}").into(),
            (None, Some(u)) => format!("the VM {u}").into(),
            _ => Cow::Borrowed("the VM"),
        }
    }

    /// "the SR Local storage" / "the SR" — for prose (borrowed when the SR is not known).
    pub fn sr_phrase(&self) -> Cow<'static, str> {
        match (&self.subject.sr_name, &self.subject.sr_uuid) {
            (Some(n), _) => format!("the SR \u{201c}{n}\u{201d}").into(),
            (None, Some(u)) => format!("the SR {u}").into(),
            _ => Cow::Borrowed("the SR"),
        }
    }

    pub fn sr_family(&self) -> SrFamily {
        sr_family(self.sr_type.as_deref())
    }

    /// The host runs XenServer 6.1 (the release with the large-SR snapshot-deletion bug).
    pub fn is_xenserver_61(&self) -> bool {
        let product_ok = self
            .product
            .as_deref()
            .is_none_or(|p| p.to_ascii_lowercase().contains("xenserver") || p.to_ascii_lowercase().contains("citrix"));
        product_ok && self.host_version.as_deref().and_then(parse_version) == Some((6, 1))
    }
}

impl Finding {
    /// A finding of `info`'s rule with the rule's defaults and the subject filled in; the caller
    /// writes the summary, cause and remediation.
    pub fn of(info: &'static RuleInfo, facts: &Facts) -> Finding {
        /// Steps a finding has room for before its first reallocation (SR044 writes 10). Ten steps
        /// are 240 bytes in WebAssembly, under dlmalloc's 256 for a small block (12 took its
        /// slower tree of large blocks on every call).
        const REMEDIATION_CAPACITY: usize = 10;
        Finding {
            rule: info.id,
            rule_name: info.name,
            title: Cow::Borrowed(info.title),
            category: info.category,
            severity: info.severity,
            codes: Vec::new(),
            params: Params::default(),
            summary: Cow::Borrowed(""),
            cause: Cow::Borrowed(""),
            // Room for a rule's usual steps from the start: growing 0 → 4 → 8 → 16 reallocated
            // (and copied) the steps of the most common findings three times per call.
            remediation: Vec::with_capacity(REMEDIATION_CAPACITY),
            links: Vec::new(),
            evidence: Vec::new(),
            confidence: Confidence::High,
            subject: facts.subject.clone(),
            priority: 1,
            quotation: None,
            catch_all: false,
        }
    }

    /// A finding for a XAPI error: codes, named params, evidence and confidence from the error.
    pub fn of_xapi(info: &'static RuleInfo, e: &XapiError, facts: &Facts) -> Finding {
        let mut f = Finding::of(info, facts);
        f.codes.push(e.code.clone());
        // The docs' spelling, when that is what the input said: a search for it finds the finding.
        if e.code == "LICENCE_RESTRICTION" && e.evidence.iter().any(|ev| ev.text.contains("LICENSE_RESTRICTION")) {
            f.codes.push("LICENSE_RESTRICTION".to_string());
        }
        f.params = e.named_params();
        name_sr_codes(&mut f);
        f.evidence = e.evidence.clone();
        f.quotation = Quotation::of(&e.evidence);
        f.confidence = e.confidence;
        f
    }

    /// A finding for a Xen Orchestra error: its code (if any), evidence and confidence.
    pub fn of_xo(info: &'static RuleInfo, e: &XoError, facts: &Facts) -> Finding {
        let mut f = Finding::of(info, facts);
        if let Some(code) = &e.code {
            f.codes.push(code.clone());
        }
        f.evidence = e.evidence.clone();
        f.confidence = e.confidence;
        f
    }

    /// Files the finding under the catalogue's category of `code`, for rules that cover codes of
    /// different kinds (`SESSION_INVALID` is a lost connection, `SESSION_AUTHENTICATION_FAILED`
    /// a wrong password).
    pub fn use_code_category(&mut self, code: &str) {
        if let Some(entry) = crate::catalog::api_error(code) {
            self.category = entry.category;
        }
    }

    /// Adds a step without a command.
    pub fn step(&mut self, text: impl Into<Cow<'static, str>>) -> &mut Self {
        self.remediation.push(Step { text: text.into(), command: None });
        self
    }

    /// Adds a step with the command to run.
    pub fn step_cmd(&mut self, text: impl Into<Cow<'static, str>>, command: impl Into<Cow<'static, str>>) -> &mut Self {
        self.remediation.push(Step { text: text.into(), command: Some(command.into()) });
        self
    }

    pub fn link(&mut self, title: impl Into<Cow<'static, str>>, url: impl Into<Cow<'static, str>>) -> &mut Self {
        self.links.push(Link { title: title.into(), url: url.into() });
        self
    }
}

/// Runs every rule and signature on every event and returns the findings, deduplicated and
/// ranked, with the number of distinct findings left out beyond `options.maxFindings`.
///
/// `whole_text` is the input when it was read as text (a paste, a log, an error object's JSON):
/// the signatures and the known codes are then looked for in the whole of it, since its events
/// are only the fragments the extractor understood. A structured input (a backup log) has each
/// event's own text searched instead, so that each finding keeps its VM and task.
pub fn evaluate(events: &[Event], whole_text: Option<&str>, options: &Options) -> (Vec<Finding>, u64) {
    let mut findings = Findings::new(options.max_findings());
    if let Some(text) = whole_text {
        let facts = Facts::new(&Subject::default(), options);
        for mut f in signatures::scan_beside(text, signatures::INPUT_TEXT, &facts, Confidence::Medium, events) {
            with_error_params(&mut f, events);
            findings.push(f);
        }
        findings.extend(codes::scan_all(text, &facts, Confidence::Medium));
        findings.extend(space_plan::full_sr_in_usage_row(text, &facts));
    }
    // Each event's findings go straight to `findings` (a vector of them per event was one more
    // allocation of ~2 KB, and a move of each finding, on every call; bench/README.md, perf8).
    let mut keep = |f: Finding| {
        // The generic decoding of a code ("XAPI error X", or "a code not in XAPI's catalogue")
        // says nothing once a signature explains the same code: drop it, as a structured
        // input's event gets the generic decoding only when nothing else explains it.
        if is_explained_decoding(&f, |code| findings.has_code_beside(code, f.rule)) {
            return;
        }
        // "No rule knows this error" (XO000, for an error object handed over whole) is untrue
        // once a signature has read the error's text (as a backup log's task gets XO000 only
        // when no signature reads it): without this it ranked above that reading.
        if whole_text.is_some() && f.rule == generic::XO000.id && !findings.is_empty() {
            return;
        }
        // The "stream has ended …" of the VMware import or of the NBD client's handshake, whose
        // mark stands on a line of its own around the message (io.rs).
        if let (Some(text), true) = (whole_text, f.rule == io::XO008.id) {
            if f.evidence.iter().filter_map(|e| e.line).any(|l| io::other_reader_near(text, l)) {
                return;
            }
        }
        findings.push(f);
    };
    for event in events {
        if whole_text.is_some() {
            each_event_finding(event, options, &mut keep);
        } else {
            each_structured_event_finding(event, options, &mut keep);
        }
    }
    if let (Some(text), true) = (whole_text, findings.is_empty()) {
        findings.extend(generic::unrecognised_text(text, &Facts::new(&Subject::default(), options)));
    } else if let (Some(text), Some(benign)) = (whole_text, findings.only_benign_evidence()) {
        // A harmless line (a benign signature) must not hide a failure printed elsewhere in the
        // paste: the lines its finding read (its signature's `near` around each evidence line),
        // and their repeats, are left out; the rest read as usual.
        let near = |id: &str| match rule(id).map(|r| &r.matcher) {
            Some(Matcher::Signature(s)) => s.near,
            _ => generic::BENIGN_NEAR,
        };
        let benign: Vec<_> = benign.into_iter().map(|(id, e)| (e, near(id))).collect();
        let found = generic::unrecognised_beside_benign(text, &Facts::new(&Subject::default(), options), &benign);
        findings.extend(found);
    }
    if findings.has_failure() {
        findings.extend(xo_release::outdated(whole_text, options));
    }
    findings.finish()
}

/// Whether `f` is a code's generic decoding (XA000, or XO000 for a Xen Orchestra error no rule
/// knows) and `explained(code)` holds for each of its codes: another finding explains them (a
/// pasted error's errno decoded, as a backup log's task gets it instead of XO000), and the
/// decoding says nothing more.
pub(crate) fn is_explained_decoding(f: &Finding, explained: impl Fn(&str) -> bool) -> bool {
    (f.rule == generic::XA000.id || f.rule == generic::XO000.id) && !f.codes.is_empty() && f.codes.iter().all(|c| explained(c))
}

/// A signature's finding about a code the input also carried as a XAPI error gets that
/// error's parameters by name, as a rule's finding would.
fn with_error_params(f: &mut Finding, events: &[Event]) {
    if !f.params.0.is_empty() {
        return;
    }
    let error = events.iter().find_map(|e| match e {
        Event::Xapi(x) if f.codes.contains(&x.code) => Some(x),
        _ => None,
    });
    if let Some(e) = error {
        f.params = e.named_params();
    }
}

/// An event of a structured input: the signatures and known codes in its own text, the rules
/// that claim it, and the generic decoding only when nothing else explains it; each finding is
/// handed to `sink`, in that order.
fn each_structured_event_finding(event: &Event, options: &Options, sink: &mut dyn FnMut(Finding)) {
    let facts = Facts::new(event.subject(), options);
    let text = event.text();
    let confidence = match event {
        Event::Xapi(e) => e.confidence,
        Event::Xo(e) => e.confidence,
    };
    let signed = signatures::scan(&text, signatures::INPUT_EVENT, &facts, confidence);
    // The event's own evidence (the task's line in the log) says where it was.
    let evidence = match event {
        Event::Xapi(e) => &e.evidence,
        Event::Xo(e) => &e.evidence,
    };
    let mut explained = !signed.is_empty();
    for mut f in signed {
        with_error_params(&mut f, std::slice::from_ref(event));
        if !evidence.is_empty() {
            f.evidence = evidence.clone();
        }
        sink(f);
    }
    explained |= each_specific_finding(event, options, sink) > 0;
    if !explained {
        let codes = codes::scan_all(&text, &facts, confidence);
        if codes.is_empty() || matches!(event, Event::Xapi(_)) {
            generic_decoding(event, options).into_iter().for_each(&mut *sink);
        }
        codes.into_iter().for_each(sink);
    }
}

/// The findings of one event: every specific rule that claims it, else the generic decoding.
pub fn evaluate_event(event: &Event, options: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    each_event_finding(event, options, &mut |f| out.push(f));
    out
}

/// [`evaluate_event`], each finding handed to `sink`.
fn each_event_finding(event: &Event, options: &Options, sink: &mut dyn FnMut(Finding)) {
    // XenCenter shows its own text for an error: the cause says the code was read from it.
    let xencenter = match event {
        Event::Xapi(e) if e.shape == crate::input::Shape::XenCenter => Some(e.code.as_str()),
        _ => None,
    };
    let mut each = |mut f: Finding| {
        if let Some(code) = xencenter {
            f.cause.to_mut().push_str(&format!(
                " {code} was recognised from XenCenter's wording of it (XenCenter shows its own text for a XAPI error, not the code)."
            ));
        }
        sink(f);
    };
    if each_specific_finding(event, options, &mut each) == 0 && !numbered_xo_api_signatures(event, options, &mut each) {
        generic_decoding(event, options).into_iter().for_each(each);
    }
}

/// One of Xen Orchestra's numbered API errors read from a shape that does not spell it the way
/// its signatures know (xo-web's toast: the message alone; the REST API's body) meets them in
/// the event's own text (`code 18 message: host offline`, [`Event::text`]); whether any did.
fn numbered_xo_api_signatures(event: &Event, options: &Options, sink: &mut dyn FnMut(Finding)) -> bool {
    let Event::Xo(e) = event else { return false };
    let numbered = e.report_unrecognised && e.code.as_deref().and_then(|c| c.parse::<u32>().ok()).is_some_and(|n| crate::catalog::xo_api_error(n, &e.message).is_some());
    if !numbered {
        return false;
    }
    let signed = signatures::scan(&event.text(), signatures::INPUT_EVENT, &Facts::new(&e.subject, options), e.confidence);
    let found = !signed.is_empty();
    for mut f in signed {
        if !e.evidence.is_empty() {
            f.evidence = e.evidence.clone();
        }
        sink(f);
    }
    found
}

/// The catalogue's decoding of an event no rule claims (XAPI and SR codes; a failed backup
/// task's message).
fn generic_decoding(event: &Event, options: &Options) -> Vec<Finding> {
    match event {
        Event::Xapi(e) => generic::decode_xapi(e, &Facts::new(&e.subject, options)).into_iter().collect(),
        Event::Xo(e) if e.report_unrecognised => generic::unrecognised_xo(e, &Facts::new(&e.subject, options)).into_iter().collect(),
        Event::Xo(_) => Vec::new(),
    }
}

/// The findings of the specific rules that claim one event, handed to `sink`; how many.
fn each_specific_finding(event: &Event, options: &Options, sink: &mut dyn FnMut(Finding)) -> usize {
    let mut n = 0;
    let mut out = |f: Option<Finding>| {
        if let Some(f) = f {
            n += 1;
            sink(f);
        }
    };
    match event {
        Event::Xapi(e) => {
            let sr_value = crate::catalog::sr_backend_failure_value(&e.code);
            let index = xapi_rule_index();
            let mut candidates = index.candidates(&e.code, sr_value).peekable();
            if candidates.peek().is_none() {
                return 0;
            }
            let mut facts = Facts::new(&e.subject, options);
            facts.fill_from_handles(e);
            for i in candidates {
                if let Some(Matcher::Xapi { build, .. }) = index.rules.get(i).map(|r| &r.matcher) {
                    out(build(e, &facts));
                }
            }
        }
        Event::Xo(e) => {
            let facts = Facts::new(&e.subject, options);
            let message = e.message.to_ascii_lowercase();
            for (rule, markers) in registry().zip(lower_markers()) {
                if let Matcher::Xo { codes, build, .. } = &rule.matcher {
                    let by_code = e.code.as_deref().is_some_and(|c| codes.contains(&c));
                    let by_marker = markers.iter().any(|m| message.contains(m.as_str()));
                    if by_code || by_marker {
                        out(build(e, &facts));
                    }
                }
            }
        }
    }
    n
}

/// The XAPI rules by the codes and `SR_BACKEND_FAILURE_<n>` values they claim (positions in
/// `rules`, which keeps [`registry`] order), sorted once: an event looks up its rules instead of asking each of the
/// ~300 rules whether it claims the code.
struct XapiRuleIndex {
    rules: Vec<&'static Rule>,
    by_code: Vec<(&'static str, usize)>,
    by_sr_value: Vec<(u32, usize)>,
}

impl XapiRuleIndex {
    /// The positions of the rules that claim `code` (or its value), in registry order, each once.
    /// Both runs are sorted by position already (the index is sorted by (key, position)), so they
    /// are merged as they are read: the list they were collected into and sorted was an
    /// allocation on every call.
    fn candidates<'a>(&'a self, code: &'a str, sr_value: Option<u32>) -> impl Iterator<Item = usize> + 'a {
        let from = self.by_code.partition_point(|(c, _)| *c < code);
        let mut by_code = self.by_code[from..].iter().take_while(move |(c, _)| *c == code).map(|&(_, i)| i).peekable();
        let by_value: &[(u32, usize)] = match sr_value {
            Some(v) => {
                let from = self.by_sr_value.partition_point(|(x, _)| *x < v);
                let to = from + self.by_sr_value[from..].iter().take_while(|(x, _)| *x == v).count();
                &self.by_sr_value[from..to]
            }
            None => &[],
        };
        let mut by_value = by_value.iter().map(|&(_, i)| i).peekable();
        let mut last = None;
        std::iter::from_fn(move || loop {
            let next = match (by_code.peek().copied(), by_value.peek().copied()) {
                (Some(a), Some(b)) if b < a => by_value.next(),
                (Some(_), _) => by_code.next(),
                (None, _) => by_value.next(),
            }?;
            if last != Some(next) {
                last = Some(next);
                return Some(next);
            }
        })
    }
}

fn xapi_rule_index() -> &'static XapiRuleIndex {
    static INDEX: LazyLock<XapiRuleIndex> = LazyLock::new(|| {
        // The families only, in registry order: a signature is never a XAPI rule, and reading
        // the signatures (`registry`) is ~8 million instructions that the first XAPI error of
        // an SMlog's report would otherwise pay in cold code (bench/README.md, `smlog6`).
        let families = FAMILIES.iter().chain(FAMILIES_AFTER_SIGNATURES);
        let rules: Vec<&'static Rule> = families.flat_map(|family| family.iter()).collect();
        let mut by_code = Vec::new();
        let mut by_sr_value = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if let Matcher::Xapi { codes, sr_values, .. } = &rule.matcher {
                by_code.extend(codes.iter().map(|&c| (c, i)));
                by_sr_value.extend(sr_values.iter().map(|&v| (v, i)));
            }
        }
        by_code.sort_unstable();
        by_sr_value.sort_unstable();
        XapiRuleIndex { rules, by_code, by_sr_value }
    });
    &INDEX
}

/// Links shared by several rules. Each was checked against its page (tests/corpus/AUDIT_2026-12-06-links.md);
/// `tests/links.rs` checks their form and, for documentation sites, that the anchor exists.
pub mod links {
    pub const XO_BACKUP_TROUBLESHOOTING: (&str, &str) =
        ("Xen Orchestra documentation: backup troubleshooting", "https://docs.xen-orchestra.com/xo5/backup_troubleshooting");
    pub const XO_CHAIN_PROTECTION: (&str, &str) = (
        "Xen Orchestra documentation: VDI chain protection",
        "https://docs.xen-orchestra.com/xo5/backup_troubleshooting#vdi-chain-protection",
    );
    pub const XO_SR_44: (&str, &str) = (
        "Xen Orchestra documentation: SR_BACKEND_FAILURE_44 on thick SRs",
        "https://docs.xen-orchestra.com/xo5/backup_troubleshooting#sr_backend_failure_44",
    );
    pub const XO_COALESCE_BLOG: (&str, &str) = (
        "Xen Orchestra blog: XenServer coalesce detection",
        "https://xen-orchestra.com/blog/xenserver-coalesce-detection-in-xen-orchestra/",
    );
    /// Replaces Citrix CTX123400, CTX130420 and CTX133470 (XenServer 5.5 to 6.1 articles whose
    /// support.citrix.com/article addresses no longer lead anywhere).
    pub const XCPNG_COALESCE: (&str, &str) = (
        "XCP-ng documentation: coalesce, the 30-link chain limit and SR space",
        "https://docs.xcp-ng.org/storage/#coalesce",
    );
    /// Replaces Citrix CTX134910 (snapshot space), gone likewise.
    pub const XAPI_SNAPSHOT_DELETION: (&str, &str) = (
        "XAPI documentation: what deleting a snapshot does to the disks (coalesce needs free space)",
        "https://xapi-project.github.io/new-docs/toolstack/features/snapshots/#deleting-vm-snapshots",
    );

    /// Every shared link, for tests/links.rs.
    pub const ALL: &[(&str, &str)] =
        &[XO_BACKUP_TROUBLESHOOTING, XO_CHAIN_PROTECTION, XO_SR_44, XO_COALESCE_BLOG, XCPNG_COALESCE, XAPI_SNAPSHOT_DELETION];
}

impl Finding {
    /// Adds one of the shared [`links`].
    pub fn add_link(&mut self, link: (&'static str, &'static str)) -> &mut Self {
        self.link(link.0, link.1)
    }
}

#[cfg(test)]
mod tests;

/// Every finding about an `SR_BACKEND_FAILURE_<n>` carries the catalogue's name and official
/// text for it, whichever rule wrote it.
pub fn name_sr_codes(f: &mut Finding) {
    if f.params.get("srErrorName").is_some() {
        return;
    }
    let entry = f.codes.iter().find_map(|c| crate::catalog::sr_backend_failure_value(c)).and_then(crate::catalog::sr_error);
    if let Some(entry) = entry {
        f.params.insert_static("srErrorName", entry.name);
        f.params.insert_static("srErrorText", entry.description.trim());
    }
}

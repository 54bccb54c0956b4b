//! Placeholders filled from the input: a step written as `rpcinfo -p <nfs-server>` gets the NFS
//! server the pasted mount command names, `ls /run/xo-server/mounts/<remote-id>/` the remote's
//! mount directory, `nc -zv <host-address> 443` the address of the failed connection. The rules
//! and signatures fill what they know of the subject (VM, SR, disk) themselves; this is what is
//! left, read from the text of the whole input by the shapes below.
//!
//! A placeholder is filled only when the input names exactly one value for it: two NFS servers
//! in one paste (two remotes of a backup log) leave `<nfs-server>` as it is, since either could
//! be the one a step means. Values are limited to the characters their kind can hold (host
//! names, addresses, uuids, paths without quotes, blanks or shell operators), so a value copied
//! from a hostile log cannot turn a command into another one.

use std::borrow::Cow;

use crate::model::Finding;

/// How much of the input is read for values: a pasted error or a report is far shorter; a
/// 100 MB log would only cost time for values its findings already carry as evidence.
const MAX_READ: usize = 4 << 20;

/// What a placeholder is filled with.
#[derive(Clone, Copy)]
enum Source {
    /// The uuid of an object, in any of the shapes of [`Uuids`].
    Uuid(Uuids),
    /// The SR (or, with `disk`, the disk) of a storage path ([`crate::model::storage_paths`]),
    /// or a uuid of the object in the shapes of `uuids`.
    Storage { disk: bool, uuids: Uuids },
    /// The host (no port) of the `host:port` or `host` right after one of these markers.
    HostAfter(&'static [&'static str]),
    /// The same after a URL's scheme (`https://`): looked for only when the input holds `://`.
    UrlHost(&'static [&'static str]),
    /// The same for an iSCSI portal: an address or a domain name, looked for only when the input
    /// holds a `.` (the markers' bytes are in most JSON).
    PortalAfter(&'static [&'static str]),
    /// A Xen Orchestra remote's id: the directory it is mounted on (`/run/xo-server/mounts/<id>`),
    /// or the uuid of a call's `"remote"` / `"remoteId"` parameter (the mount directory's name
    /// is the remote's id: xo-server mounts a remote on `<mountsDir>/<remote.id>`).
    RemoteId,
    /// The server of an NFS export written `server:/path` (a mount's device argument).
    NfsServer,
    /// The path of that export, without its leading `/` (the steps write `/<export-path>`).
    NfsPath,
    /// The server of an SMB share written `//server/share`, else of an NFS export.
    ShareServer,
    /// The share of `//server/share`.
    ShareName,
    /// The key of a `MAP_DUPLICATE_KEY` error (its fourth parameter), in any of its shapes.
    DuplicateKey,
    /// The process id (digits, then no letter or digit) right after one of these markers.
    PidAfter(&'static [&'static str]),
    /// The path of a VHD on an SR: a file `…/sr-mount/<sr>/….vhd` or an LVM SR's volume
    /// `/dev/VG_XenStorage-<sr>/VHD-<vdi>` (what `vhd-util check -n` takes).
    VhdPath,
}

/// Where an input names an object's uuid.
#[derive(Clone, Copy)]
struct Uuids {
    /// The uuid right after one of these markers.
    after: &'static [&'static str],
    /// The uuid after one of these words (a word of the input, as written): `VM 8c7d…`,
    /// `VM = 8c7d…;`, `vm: 8c7d… (web-01)`, `"vm": "8c7d…"`, `'vdi_uuid': '8c7d…'`, `vm-uuid=8c7d…`,
    /// `pbd '8c7d…'`: the word, its closing quote, blanks, one `:` or `=`, blanks and an opening
    /// quote, each when there. The uuid must end there (a blank, a quote, `,;:)]}` or the line's
    /// end): `VBD 8c7d….xvda` is a VM's device, not a VBD.
    words: &'static [&'static str],
    /// `/var/lock/sm/<uuid>/<lock>`: the storage manager's lock file of the object (`sr`, `vdi`).
    lock: Option<&'static str>,
    /// The object class of the xe CLI and Xen Orchestra's API (`vm`, `vdi`, `sr`, `host`…):
    /// `xe vm-start uuid=<uuid>` (the object of an xe command, typed with the error it printed)
    /// and `vm.start { "id": "<uuid>" …` (Xen Orchestra's call as its UI and log show it).
    class: Option<&'static str>,
}

impl Source {
    /// Whether the input can hold a value of this source: every byte of one of its markers is in
    /// it (a test on the set of the input's bytes, no search).
    fn may_occur(self, bytes: &ByteSet, text: &str) -> bool {
        let any_marker = |markers: &[&str]| markers.iter().any(|m| m.bytes().all(|b| bytes.has(b)));
        match self {
            Source::HostAfter(markers) => any_marker(markers),
            Source::UrlHost(markers) => bytes.colon_slash && bytes.double_slash && any_marker(markers),
            // (Every marker holds a blank, `=` or `-`: one-line JSON has none.)
            Source::PortalAfter(markers) => bytes.has(b'.') && (bytes.has(b' ') || bytes.has(b'=') || bytes.has(b'-')) && any_marker(markers),
            Source::RemoteId => any_marker(&[REMOTE_MOUNTS]) || (bytes.uuid && REMOTE.may_occur(bytes)),
            Source::Uuid(uuids) => bytes.uuid && uuids.may_occur(bytes),
            Source::Storage { uuids, .. } => {
                bytes.uuid && (any_marker(&crate::model::STORAGE_PATH_MARKERS) || any_marker(&SM_LINKS) || uuids.may_occur(bytes))
            }
            // (Most JSON holds every byte of `"server": "`: the word itself is looked for then, when
            // the input holds a `.` that an address or a host name has.)
            Source::NfsServer => {
                bytes.colon_slash
                    || (bytes.has(b'w') && any_marker(&[SHOWMOUNT]))
                    || (bytes.has(b'v') && bytes.has(b'.') && any_marker(NFS_SERVER_KEYS) && occurrences(text, "server").next().is_some())
            }
            Source::NfsPath => {
                bytes.colon_slash
                    || (bytes.has(b'v') && bytes.has(b'.') && any_marker(NFS_PATH_KEYS) && occurrences(text, "erverPath").chain(occurrences(text, "erverpath")).next().is_some())
            }
            Source::ShareServer => bytes.colon_slash || bytes.double_slash || any_marker(&[JSON_UNC]),
            Source::ShareName => bytes.double_slash || any_marker(&[JSON_UNC]),
            Source::DuplicateKey => any_marker(&[DUPLICATE_KEY]),
            Source::PidAfter(markers) => any_marker(markers),
            Source::VhdPath => bytes.has(b'/') && any_marker(&VHD_PATH_MARKERS),
        }
    }
}

impl Uuids {
    fn may_occur(self, bytes: &ByteSet) -> bool {
        let all = |m: &str| m.bytes().all(|b| bytes.has(b));
        self.after.iter().any(|m| all(m))
            || self.words.iter().any(|w| all(w))
            || (self.lock.is_some() && all(LOCK_DIR))
            || self.class.is_some_and(|c| all(c) && (bytes.has(b'.') || bytes.has(b'-')))
    }
}

/// The links the storage manager makes to an attached disk (`blktap2.py`'s `BackendLink` and
/// `PhyLink`): `/dev/sm/backend/<sr-uuid>/<vdi-uuid>`.
const SM_LINKS: [&str; 2] = ["/dev/sm/backend/", "/dev/sm/phy/"];

/// The storage manager's lock files: `/var/lock/sm/<uuid>/sr`, `…/<uuid>/vdi`.
const LOCK_DIR: &str = "/var/lock/sm/";

/// Where an SR's device-config, the storage manager's log of it or Xen Orchestra's call names
/// an NFS server and its export (`device-config:server=`, `{'server': '…', 'serverpath': '…'}`,
/// `sr.createNfs { "server": "…", "serverPath": "…" }`). An SMB SR's `server` is `//host/share`,
/// which is not a host: it is not taken. `showmount -e <server>` (typed with its output) names an
/// NFS server too: a paste that probes one server and lists another's exports is left alone.
const SHOWMOUNT: &str = "showmount -e ";
const NFS_SERVER_KEYS: &[&str] = &[SHOWMOUNT, "device-config:server=", "'server': '", "\"server\": \"", "\"server\":\""];
const NFS_PATH_KEYS: &[&str] = &["device-config:serverpath=", "'serverpath': '", "\"serverPath\": \"", "\"serverPath\":\""];

/// The set of the bytes a text holds, and whether it holds `:/` (an NFS export) and `//` (an
/// SMB share).
struct ByteSet {
    bytes: [bool; 256],
    colon_slash: bool,
    double_slash: bool,
    /// Whether the text holds a uuid (every object's uuid source needs one).
    uuid: bool,
}

impl ByteSet {
    fn of(text: &str) -> ByteSet {
        let text = text.as_bytes();
        let mut set = ByteSet { bytes: [false; 256], colon_slash: false, double_slash: false, uuid: false };
        // (One store a byte: the pairs are looked for at each `/` only, and most texts have none.)
        for &b in text {
            set.bytes[usize::from(b)] = true;
        }
        if set.has(b'/') {
            for at in memchr::memchr_iter(b'/', text).filter(|&at| at > 0) {
                set.colon_slash |= text[at - 1] == b':';
                set.double_slash |= text[at - 1] == b'/';
            }
        }
        // A uuid's first `-` follows 8 hex digits: each `-` is looked at until one does (most
        // errors have no `-`, or a uuid early).
        if set.has(b'-') {
            set.uuid = memchr::memchr_iter(b'-', text).filter(|&at| at >= 8).any(|at| text.get(at - 8..at + 28).is_some_and(crate::model::has_uuid_shape));
        }
        set
    }

    fn has(&self, b: u8) -> bool {
        self.bytes[usize::from(b)]
    }
}

/// Each placeholder the steps use for a value an input can name, and where that value is.
const PLACEHOLDERS: &[(&str, Source)] = &[
    ("<nfs-server>", Source::NfsServer),
    ("<export-path>", Source::NfsPath),
    ("<server>", Source::ShareServer),
    ("<share>", Source::ShareName),
    ("<remote-id>", Source::RemoteId),
    (
        "<host-address>",
        Source::HostAfter(&["connect ECONNREFUSED ", "connect ETIMEDOUT ", "connect EHOSTUNREACH ", "connect ENETUNREACH ", "connect ECONNRESET "]),
    ),
    ("<host-name>", Source::HostAfter(&["getaddrinfo ENOTFOUND ", "getaddrinfo EAI_AGAIN "])),
    ("<s3-endpoint>", Source::HostAfter(&["getaddrinfo ENOTFOUND ", "getaddrinfo EAI_AGAIN "])),
    // The server whose certificate a step reads (`openssl s_client -connect <address>:443`): the
    // host of the URL the failed request went to (a paste with two hosts is left alone).
    ("<address>", Source::UrlHost(&["https://", "wss://"])),
    ("<sr-uuid>", Source::Storage { disk: false, uuids: SR }),
    ("<vdi-uuid>", Source::Storage { disk: true, uuids: VDI }),
    ("<vm-uuid>", Source::Uuid(VM)),
    ("<host-uuid>", Source::Uuid(HOST)),
    ("<pbd-uuid>", Source::Uuid(Uuids { after: &[], words: &["pbd", "PBD", "pbd_uuid", "pbd-uuid"], lock: None, class: Some("pbd") })),
    ("<vbd-uuid>", Source::Uuid(Uuids { after: &[], words: &["vbd", "VBD", "vbd_uuid", "vbd-uuid"], lock: None, class: Some("vbd") })),
    // An iSCSI SR's target: its `device-config`, the storage manager's scan line, a discovery.
    // iscsiadm's `Login to [iface: default, target: iqn…, portal: 192.0.2.20,3260]` and the
    // storage manager's `portal 192.0.2.20` name it too; the steps call it either name.
    ("<target-ip>", Source::PortalAfter(ISCSI_TARGET)),
    ("<target-address>", Source::PortalAfter(ISCSI_TARGET)),
    ("<sm-config-key>", Source::DuplicateKey),
    // A tapdisk's process: its syslog tag (`tapdisk[4163]:`, daemon.log, kern.log) and its control
    // socket (`/var/run/blktap-control/ctl4163`). (The steps call it `<tapdisk-pid>`; a bare
    // `<pid>` may be another process: the storage manager's, or the tapdisk refused a disk.)
    ("<tapdisk-pid>", Source::PidAfter(&["tapdisk[", "/blktap-control/ctl"])),
    // The VHD a `vhd-util check -n` step reads (the steps call it either name).
    ("<path-to-vhd>", Source::VhdPath),
    ("<vhd-path>", Source::VhdPath),
];

/// Where a VHD's path on an SR is: a file SR's mount directory, an LVM SR's volume group.
const VHD_PATH_MARKERS: [&str; 2] = ["/sr-mount/", "/VG_XenStorage-"];

// The SR: a word `SR` (`on SR <uuid>`, `=== SR <uuid>: gc ===`), not a bare `sr`: Xen
// Orchestra's `"sr"` parameter is where a copy or a migration goes, not the SR a failure is on.
const SR: Uuids = Uuids { after: &[], words: &["SR", "sr_uuid", "sr-uuid", "srUuid"], lock: Some("sr"), class: Some("sr") };
const VDI: Uuids = Uuids { after: &["/VHD-"], words: &["VDI", "vdi", "vdi_uuid", "vdi-uuid", "vdiUuid"], lock: Some("vdi"), class: Some("vdi") };
// A VM's delta backups live under `xo-vm-backups/<vm-uuid>/` on the remote. The xe CLI prints an
// error's parameters one a line, an object as `vm: <uuid> (<name>)`; xenopsd logs `VM = <uuid>;`.
// Xen Orchestra's backup report gives each VM's as `- **UUID**: <uuid>` under its name (a report
// of several VMs names several, and is left alone).
const VM: Uuids = Uuids { after: &["xo-vm-backups/", "- **UUID**: "], words: &["VM", "vm", "vm_uuid", "vm-uuid", "vmUuid"], lock: None, class: Some("vm") };
const HOST: Uuids = Uuids { after: &[], words: &["host", "host_uuid", "host-uuid", "hostUuid"], lock: None, class: Some("host") };

const ISCSI_TARGET: &[&str] = &["device-config:target=", "(target=", "-t st -p ", "-t sendtargets -p ", ", portal: ", ", portal "];

const REMOTE_MOUNTS: &str = "/run/xo-server/mounts/";
const REMOTE: Uuids = Uuids { after: &[], words: &["remote", "remoteId"], lock: None, class: None };

const DUPLICATE_KEY: &str = "MAP_DUPLICATE_KEY";

// The placeholders are bits of a `u32` mask.
const _: () = assert!(PLACEHOLDERS.len() <= 32);

/// Fills the placeholders of `findings` that `text` names one value for.
pub fn fill(findings: &mut [Finding], text: &str) {
    let end = (0..=text.len().min(MAX_READ)).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let text = &text[..end];
    // Most inputs hold no marker of any value (a one-line error has no `/`, `:` or `=`), and most
    // results name none of these placeholders: both are found out before anything is searched.
    let bytes = ByteSet::of(text);
    let possible = PLACEHOLDERS.iter().enumerate().filter(|(_, (_, source))| source.may_occur(&bytes, text)).fold(0u32, |m, (i, _)| m | 1 << i);
    if possible == 0 {
        return;
    }
    let named = possible & findings.iter().fold(0, |mask, f| mask | mask_of_finding(f));
    if named == 0 {
        return;
    }
    let values: Vec<Option<Value>> =
        PLACEHOLDERS.iter().enumerate().map(|(i, (_, source))| if named & 1 << i == 0 { None } else { only_value(text, *source) }).collect();
    if values.iter().all(Option::is_none) {
        return;
    }
    // (A value holds no `<`: filling one placeholder never makes another.)
    let fill_text = |s: &str| -> Option<String> {
        let mask = mask_of(s);
        let mut out: Option<String> = None;
        for (i, (name, _)) in PLACEHOLDERS.iter().enumerate() {
            let Some(value) = values[i].as_ref().filter(|_| mask & 1 << i != 0) else { continue };
            if let Some(filled) = replaced(out.as_deref().unwrap_or(s), name, value) {
                out = Some(filled);
            }
        }
        out
    };
    for f in findings.iter_mut() {
        for step in &mut f.remediation {
            for s in std::iter::once(&mut step.text).chain(step.command.as_mut()) {
                if let Some(filled) = fill_text(s) {
                    *s = Cow::Owned(filled);
                }
            }
        }
    }
}

/// A value found for a placeholder, and the port the input gave with it (`host:port`).
#[derive(PartialEq)]
struct Value {
    text: String,
    port: Option<String>,
}

/// The placeholders of [`PLACEHOLDERS`] that `s` holds, as bits of their index.
fn mask_of(s: &str) -> u32 {
    let bytes = s.as_bytes();
    let mut mask = 0;
    for at in memchr::memchr_iter(b'<', bytes) {
        // `<name>`: the names are short, so the `>` is looked for in the next few bytes only.
        let Some(len) = bytes[at..].iter().take(MAX_NAME).position(|&b| b == b'>') else { continue };
        let name = &bytes[at..=at + len];
        if let Some(i) = PLACEHOLDERS.iter().position(|(n, _)| n.as_bytes() == name) {
            mask |= 1 << i;
        }
    }
    mask
}

/// The longest placeholder name, `<` and `>` included.
const MAX_NAME: usize = 16;
const _: () = {
    let mut i = 0;
    while i < PLACEHOLDERS.len() {
        assert!(PLACEHOLDERS[i].0.len() <= MAX_NAME);
        i += 1;
    }
};

/// The placeholders of a finding's steps (its summary and cause are prose that names none).
fn mask_of_finding(f: &Finding) -> u32 {
    f.remediation.iter().fold(0, |mask, s| mask | mask_of(&s.text) | s.command.as_deref().map_or(0, mask_of))
}

/// `s` with `name` replaced by the value, `None` when nothing changes. A placeholder followed by
/// a port (`nc -zv <host-address> 443`, `<host>:443`) is left where the input's connection went
/// to another port: the step then tests something else than what failed.
fn replaced(s: &str, name: &str, value: &Value) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    let mut rest = s;
    while let Some(at) = occurrences(rest, name).next() {
        out.push_str(&rest[..at]);
        let after = &rest[at + name.len()..];
        let port_after = after.strip_prefix([' ', ':']).map(|p| &p[..p.bytes().take_while(u8::is_ascii_digit).count()]).filter(|p| !p.is_empty());
        let other_port = matches!((port_after, value.port.as_deref()), (Some(a), Some(b)) if a != b);
        if other_port {
            out.push_str(name);
        } else {
            out.push_str(&value.text);
            changed = true;
        }
        rest = after;
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// The value `source` finds in `text` when all it finds are one value.
fn only_value(text: &str, source: Source) -> Option<Value> {
    let mut found: Option<Value> = None;
    let mut distinct = true;
    let mut see_port = |value: &str, port: Option<&str>| {
        let value = Value { text: value.to_string(), port: port.map(str::to_string) };
        match &found {
            None => found = Some(value),
            Some(v) if *v == value => {}
            Some(_) => distinct = false,
        }
        // Go on while one value only has been seen.
        distinct
    };
    let mut see = |value: &str| see_port(value, None);
    match source {
        Source::Uuid(uuids) => {
            each_uuid(text, uuids, &mut see);
        }
        Source::Storage { disk, uuids } => {
            let mut going = true;
            for (sr, vdi) in crate::model::storage_paths(text) {
                going = if disk { vdi.is_none_or(&mut see) } else { see(sr) };
                if !going {
                    break;
                }
            }
            going = going
                && each_after(text, &SM_LINKS, |rest| {
                    let Some(sr) = crate::model::uuid_prefix(rest) else { return true };
                    // (36 ASCII bytes: index 36 is a character boundary.)
                    let vdi = rest[36..].strip_prefix('/').and_then(crate::model::uuid_prefix);
                    if disk { vdi.is_none_or(&mut see) } else { see(sr) }
                });
            if going {
                each_uuid(text, uuids, &mut see);
            }
        }
        Source::HostAfter(markers) | Source::UrlHost(markers) | Source::PortalAfter(markers) => {
            each_after(text, markers, |rest| host_of(rest).is_none_or(|host| see_port(host, port_after_host(rest, host))));
        }
        Source::RemoteId => {
            if each_after(text, &[REMOTE_MOUNTS], |rest| name_of(rest).is_none_or(&mut see)) {
                each_uuid(text, REMOTE, &mut see);
            }
        }
        Source::NfsServer => {
            if each_nfs_export(text, |server, _| see(server)) {
                each_after(text, NFS_SERVER_KEYS, |rest| host_of(rest).is_none_or(&mut see));
            }
        }
        Source::NfsPath => {
            let mut see_path = |path: &str| path.strip_prefix('/').filter(|p| !p.is_empty()).is_none_or(&mut see);
            if each_nfs_export(text, |_, path| see_path(path)) {
                each_after(text, NFS_PATH_KEYS, |rest| see_path(&rest[..rest.bytes().position(|b| !is_path_byte(b)).unwrap_or(rest.len())]));
            }
        }
        Source::ShareServer => {
            let mut any_share = false;
            each_smb_share(text, |server, _| {
                any_share = true;
                see(server)
            });
            if !any_share {
                each_nfs_export(text, |server, _| see(server));
            }
        }
        Source::ShareName => each_smb_share(text, |_, share| share.is_empty() || see(share)),
        Source::DuplicateKey => {
            each_after(text, &[DUPLICATE_KEY], |rest| duplicate_key(rest).is_none_or(&mut see));
        }
        Source::PidAfter(markers) => {
            each_after(text, markers, |rest| {
                let digits = rest.bytes().take(11).take_while(u8::is_ascii_digit).count();
                // (`in tapdisk[400000+7c000]`, the kernel's mapping of a crashed binary, is no pid.)
                let ends = rest.as_bytes().get(digits).is_none_or(|b| b.is_ascii_whitespace() || b"]:'\",)".contains(b));
                !(1..=10).contains(&digits) || !ends || see(&rest[..digits])
            });
        }
        Source::VhdPath => {
            each_vhd_path(text, &mut see);
        }
    }
    found.filter(|_| distinct)
}

/// Calls `each(rest)` with the text after every occurrence of every marker, while it returns
/// true; false when it stopped.
fn each_after(text: &str, markers: &[&str], mut each: impl FnMut(&str) -> bool) -> bool {
    for marker in markers {
        for at in occurrences(text, marker) {
            if !each(&text[at + marker.len()..]) {
                return false;
            }
        }
    }
    true
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Calls `see` with every uuid `uuids` finds in `text`, while it returns true; false when it
/// stopped.
fn each_uuid(text: &str, uuids: Uuids, see: &mut impl FnMut(&str) -> bool) -> bool {
    let bytes = text.as_bytes();
    each_after(text, uuids.after, |rest| crate::model::uuid_prefix(rest).is_none_or(&mut *see))
        && uuids.words.iter().all(|word| {
            occurrences(text, word)
                .filter(|&at| at == 0 || !is_word_byte(bytes[at - 1]))
                .all(|at| uuid_after_word(&text[at + word.len()..]).is_none_or(&mut *see))
        })
        && uuids.lock.is_none_or(|lock| {
            each_after(text, &[LOCK_DIR], |rest| {
                let Some(uuid) = crate::model::uuid_prefix(rest) else { return true };
                // (36 ASCII bytes: index 36 is a character boundary.)
                let after = rest[36..].strip_prefix('/').and_then(|r| r.strip_prefix(lock));
                after.filter(|r| r.bytes().next().is_none_or(|b| !is_word_byte(b))).is_none() || see(uuid)
            })
        })
        && uuids.class.is_none_or(|class| each_xe_object(text, class, &mut *see) && each_xo_call(text, class, &mut *see))
}

/// The uuid at the start of `rest` (what follows a word) past the word's closing quote, blanks,
/// one `:` or `=`, blanks and an opening quote, when it ends there.
fn uuid_after_word(rest: &str) -> Option<&str> {
    let b = rest.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize, what: &[u8], most: usize| {
        let mut n = 0;
        while n < most && b.get(*i).is_some_and(|c| what.contains(c)) {
            *i += 1;
            n += 1;
        }
    };
    skip(&mut i, b"\"'", 1);
    skip(&mut i, b" ", 2);
    skip(&mut i, b":=", 1);
    skip(&mut i, b" ", 2);
    skip(&mut i, b"\"'", 1);
    // Something must stand between the word and the uuid (`VM8c7d…` is no word).
    if i == 0 {
        return None;
    }
    let uuid = crate::model::uuid_prefix(rest.get(i..)?)?;
    let end = b.get(i + 36).copied();
    let ends = match end {
        None => true,
        // `.` ends a sentence, not a device name (`8c7d….xvda`).
        Some(b'.') => b.get(i + 37).is_none_or(|c| !c.is_ascii_alphanumeric()),
        Some(c) => c.is_ascii_whitespace() || b"\"',;:)]}".contains(&c),
    };
    ends.then_some(uuid)
}

/// `xe <class>-<command> … uuid=<uuid>` on one line (within 400 bytes): the xe command's object.
fn each_xe_object(text: &str, class: &str, see: &mut impl FnMut(&str) -> bool) -> bool {
    let bytes = text.as_bytes();
    occurrences(text, "xe ").filter(|&at| at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b'\n' | b'/' | b'`' | b'"' | b'\'' | b'(' | b'$' | b'#')).all(|at| {
        let rest = &text[at + 3..];
        let Some(command) = rest.strip_prefix(class).and_then(|r| r.strip_prefix('-')) else { return true };
        // The command's name, then its arguments up to the line's end.
        let name_end = command.bytes().position(|b| !(b.is_ascii_lowercase() || b == b'-')).unwrap_or(command.len());
        if name_end == 0 {
            return true;
        }
        let args = &command.as_bytes()[name_end..];
        let line = &args[..args.iter().take(400).position(|&b| b == b'\n' || b == b'\r').unwrap_or(args.len().min(400))];
        memchr::memmem::find_iter(line, b" uuid=").all(|k| {
            // (` uuid=` is ASCII: `from` is a character boundary.)
            let from = name_end + k + 6;
            crate::model::uuid_prefix(&command[from..])
                .filter(|_| command.as_bytes().get(from + 36).is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'-')))
                .is_none_or(&mut *see)
        })
    })
}

/// `<class>.<method> { "id": "<uuid>"` (or `<class>.<method>({"id":"<uuid>"`): a Xen Orchestra
/// API call on the object, as its UI shows a failed call and xo-server logs it.
fn each_xo_call(text: &str, class: &str, see: &mut impl FnMut(&str) -> bool) -> bool {
    let bytes = text.as_bytes();
    occurrences(text, class).filter(|&at| at == 0 || !(is_word_byte(bytes[at - 1]) || bytes[at - 1] == b'.')).all(|at| {
        let rest = &bytes[at + class.len()..];
        if rest.first() != Some(&b'.') {
            return true;
        }
        let method = rest[1..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if method == 0 {
            return true;
        }
        let mut i = 1 + method;
        let blanks = |i: &mut usize| {
            let mut n = 0;
            while n < 16 && rest.get(*i).is_some_and(u8::is_ascii_whitespace) {
                *i += 1;
                n += 1;
            }
        };
        blanks(&mut i);
        if rest.get(i) == Some(&b'(') {
            i += 1;
        }
        if rest.get(i) != Some(&b'{') {
            return true;
        }
        i += 1;
        blanks(&mut i);
        if !rest[i..].starts_with(b"\"id\"") {
            return true;
        }
        i += 4;
        blanks(&mut i);
        if rest.get(i) != Some(&b':') {
            return true;
        }
        i += 1;
        blanks(&mut i);
        if rest.get(i) != Some(&b'"') {
            return true;
        }
        // (Every byte up to here is ASCII: `at + class.len() + i + 1` is a character boundary.)
        let value = &text[at + class.len() + i + 1..];
        crate::model::uuid_prefix(value).filter(|_| value.as_bytes().get(36) == Some(&b'"')).is_none_or(&mut *see)
    })
}

/// Where `needle` (not empty) starts in `text`: its first byte by `memchr`, then a comparison.
/// (The inputs are mostly a few lines: building a substring searcher per marker costs more in
/// WebAssembly than this whole search.)
fn occurrences<'a>(text: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    let first = needle.as_bytes().first().copied().unwrap_or(0);
    memchr::memchr_iter(first, text.as_bytes()).filter(move |&at| text.as_bytes()[at..].starts_with(needle.as_bytes()))
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// The host of `host:port`, `host` or `[v6]:port` at the start of `rest`.
fn host_of(rest: &str) -> Option<&str> {
    if let Some(v6) = rest.strip_prefix('[') {
        let end = v6.find(']')?;
        let host = &v6[..end];
        return host.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.').then_some(host).filter(|h| h.len() >= 2);
    }
    let end = rest.bytes().position(|b| !is_host_byte(b)).unwrap_or(rest.len());
    let host = rest[..end].trim_end_matches('.');
    // `getaddrinfo ENOTFOUND https`: a URL typed where a host name belongs, not a host to test.
    let scheme = ["http", "https", "s3"].iter().any(|s| host.eq_ignore_ascii_case(s));
    (host.len() >= 2 && !scheme && host.bytes().any(|b| b.is_ascii_alphanumeric())).then_some(host)
}

/// The port written right after the host at the start of `rest` (`host:443`, `[v6]:443`).
fn port_after_host<'a>(rest: &'a str, host: &str) -> Option<&'a str> {
    let after = rest.strip_prefix('[').map_or(&rest[host.len()..], |v6| v6.get(host.len() + 1..).unwrap_or(""));
    let digits = after.strip_prefix(':')?;
    let port = &digits[..digits.bytes().take_while(u8::is_ascii_digit).count()];
    (!port.is_empty()).then_some(port)
}

/// A directory name (letters, digits, `-`, `_`, `.`) at the start of `rest`.
fn name_of(rest: &str) -> Option<&str> {
    let end = rest.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')).unwrap_or(rest.len());
    let name = &rest[..end];
    (!name.is_empty() && name.bytes().any(|b| b.is_ascii_alphanumeric())).then_some(name)
}

/// The key of the parameters that follow `MAP_DUPLICATE_KEY` (class, field, reference, key),
/// however they are written: `(VDI, sm_config, OpaqueRef:…, paused)`, SMlog's
/// `', 'VDI', 'sm_config', 'OpaqueRef:…', 'attached']` or JSON's `","params":["VDI",…]`: the
/// comma-separated fields up to the list's end, each without its quotes, brackets and blanks.
fn duplicate_key(rest: &str) -> Option<&str> {
    // The list ends at its first `)`, `]` or line end, within 400 bytes (a longer "list" is not
    // one); that end is an ASCII byte, so the slice before it is whole characters.
    let end = rest.bytes().take(400).position(|b| matches!(b, b')' | b']' | b'\n'))?;
    let mut params = rest[..end]
        .split(',')
        .map(|field| field.rsplit('[').next().unwrap_or(field).trim_matches(|c: char| c.is_ascii_whitespace() || matches!(c, '\'' | '"' | '(')))
        .skip_while(|field| field.is_empty());
    let key = params.nth(3)?;
    let is_key_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-');
    (!key.is_empty() && key.bytes().all(is_key_byte)).then_some(key)
}

/// The bytes a path value may hold: no blank, quote, backslash or shell operator.
fn is_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"/._-+@%=,~:".contains(&b)
}

/// Calls `each(path)` for every absolute path of a VHD on an SR in `text` (one that holds a
/// [`VHD_PATH_MARKERS`] and names a file `….vhd` or a volume `VHD-…`), while it returns true.
fn each_vhd_path(text: &str, mut each: impl FnMut(&str) -> bool) -> bool {
    let bytes = text.as_bytes();
    for marker in VHD_PATH_MARKERS {
        for at in occurrences(text, marker) {
            let start = bytes[..at].iter().rposition(|&b| !is_path_byte(b)).map_or(0, |i| i + 1);
            // (Each path is met once, at its first marker: a file SR's has one, an LVM SR's one.)
            if text[start..at].contains(VHD_PATH_MARKERS[0]) || text[start..at].contains(VHD_PATH_MARKERS[1]) {
                continue;
            }
            let end = bytes[at..].iter().position(|&b| !is_path_byte(b)).map_or(bytes.len(), |i| at + i);
            let path = text[start..end].trim_end_matches([',', '.', ':']);
            let name = path.rsplit('/').next().unwrap_or("");
            let vhd = (name.len() > 4 && name[name.len() - 4..].eq_ignore_ascii_case(".vhd")) || (marker == VHD_PATH_MARKERS[1] && name.starts_with("VHD-"));
            if path.starts_with('/') && vhd && !each(path) {
                return false;
            }
        }
    }
    true
}

/// Where a device argument may start: after a blank, a quote, `=` or at the start.
fn starts_token(text: &[u8], at: usize) -> bool {
    at == 0 || matches!(text[at - 1], b' ' | b'\t' | b'\n' | b'"' | b'\'' | b'=' | b'(' | b'`')
}

/// Calls `each(server, path)` for every `server:/path` (an NFS export) in `text`, while it returns
/// true; false when it stopped. A URL (`https://…`) has `//` after its colon and is not one.
fn each_nfs_export(text: &str, mut each: impl FnMut(&str, &str) -> bool) -> bool {
    let bytes = text.as_bytes();
    for colon in occurrences(text, ":/") {
        if bytes.get(colon + 2) == Some(&b'/') {
            continue;
        }
        let start = bytes[..colon].iter().rposition(|&b| !is_host_byte(b)).map_or(0, |i| i + 1);
        let server = &text[start..colon];
        // A one-letter "server" is a drive (`C:/`); a server starts with a letter or digit.
        if server.len() < 2 || !server.as_bytes()[0].is_ascii_alphanumeric() || !starts_token(bytes, start) {
            continue;
        }
        let path_end = bytes[colon + 1..].iter().position(|&b| !is_path_byte(b)).map_or(bytes.len(), |i| colon + 1 + i);
        let path = text[colon + 1..path_end].trim_end_matches([',', '.', ':']);
        if !each(server, path) {
            return false;
        }
    }
    true
}

/// Calls `each(server, share)` for every `//server/share` (an SMB share as `mount.cifs` takes
/// it) in `text`, while it returns true. A URL has a colon before its `//` and is not one.
fn each_smb_share(text: &str, mut each: impl FnMut(&str, &str) -> bool) {
    let bytes = text.as_bytes();
    for at in occurrences(text, "//") {
        if !starts_token(bytes, at) {
            continue;
        }
        let rest = &text[at + 2..];
        let Some(server) = host_of(rest) else { continue };
        // `//server\share` (a backslash typed, or escaped in JSON) names the server; its share,
        // written in another shape, is not read.
        let share = match rest.as_bytes().get(server.len()) {
            Some(b'/') => {
                let after = &rest[server.len() + 1..];
                &after[..after.bytes().position(|b| !(b.is_ascii_alphanumeric() || b"._-$".contains(&b))).unwrap_or(after.len())]
            }
            Some(b'\\') => "",
            _ => continue,
        };
        if share.is_empty() && rest.as_bytes()[server.len()] == b'/' {
            continue;
        }
        if !each(server, share) {
            return;
        }
    }
    // A UNC path in JSON (Xen Orchestra's sr.createSmb: `server: \\\\nas\\share\\dir` in quotes) escapes
    // each backslash: the server, then the share up to its next backslash.
    for at in occurrences(text, JSON_UNC) {
        let rest = &text[at + JSON_UNC.len()..];
        let Some(server) = host_of(rest) else { continue };
        let Some(after) = rest[server.len()..].strip_prefix("\\\\") else { continue };
        let share = &after[..after.bytes().position(|b| !(b.is_ascii_alphanumeric() || b"._-$".contains(&b))).unwrap_or(after.len())];
        if share.is_empty() {
            continue;
        }
        if !each(server, share) {
            return;
        }
    }
}

/// The opening of a UNC path inside a JSON string: a quote and two escaped backslashes.
const JSON_UNC: &str = "\"\\\\\\\\";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, RuleInfo, Severity, Step};

    static INFO: RuleInfo = RuleInfo {
        id: "ZZ000",
        name: "test",
        title: "test",
        category: Category::Other,
        severity: Severity::Error,
        trigger: "",
        description: "",
        example: "",
    };

    fn finding_with(command: &'static str) -> Finding {
        let mut f = Finding::of(&INFO, &crate::rules::Facts::new(&crate::model::Subject::default(), &crate::options::Options::default()));
        f.remediation.push(Step { text: Cow::Borrowed("Run this."), command: Some(Cow::Borrowed(command)) });
        f
    }

    fn filled(command: &'static str, text: &str) -> String {
        let mut findings = vec![finding_with(command)];
        fill(&mut findings, text);
        findings[0].remediation[0].command.as_deref().unwrap_or("").to_string()
    }

    #[test]
    fn an_nfs_mount_names_its_server_and_export() {
        let text = "Command failed with exit code 32: mount -o vers=3 -t nfs 192.168.1.1:/mnt/Backups /run/xo-server/mounts/a0369110-59df-4e34-8e54-58d482635f33\nmount.nfs: Connection timed out";
        assert_eq!(filled("rpcinfo -p <nfs-server>", text), "rpcinfo -p 192.168.1.1");
        assert_eq!(filled("serverpath=/<export-path>", text), "serverpath=/mnt/Backups");
        assert_eq!(filled("df -h /run/xo-server/mounts/<remote-id>", text), "df -h /run/xo-server/mounts/a0369110-59df-4e34-8e54-58d482635f33");
        // `<server>` means the NFS server when no SMB share is named.
        assert_eq!(filled("showmount -e <server>", text), "showmount -e 192.168.1.1");
    }

    #[test]
    fn an_smb_share_names_its_server_and_share() {
        let text = "mount -t cifs //nas.example.lan/backups$ /run/xo-server/mounts/3f1e -o username=xo\nmount error(13): Permission denied";
        assert_eq!(filled("smbclient //<server>/<share> -c ls", text), "smbclient //nas.example.lan/backups$ -c ls");
        assert_eq!(filled("rpcinfo -p <nfs-server>", text), "rpcinfo -p <nfs-server>");
    }

    #[test]
    fn a_duplicate_key_names_the_key_in_every_shape() {
        let command = "xe vdi-param-remove uuid=<vdi-uuid> param-name=sm-config param-key=<sm-config-key>";
        let expected = "xe vdi-param-remove uuid=<vdi-uuid> param-name=sm-config param-key=paused";
        assert_eq!(filled(command, "MAP_DUPLICATE_KEY(VDI, sm_config, OpaqueRef:5c0e, paused)"), expected);
        assert_eq!(filled(command, r#"{"code":"MAP_DUPLICATE_KEY","params":["VDI","sm_config","OpaqueRef:5c0e","paused"]}"#), expected);
        let smlog = "SM: [12965] Raising exception [46, The VDI is not available [opterr=['MAP_DUPLICATE_KEY', 'VDI', 'sm_config', 'OpaqueRef:f25d', 'host_OpaqueRef:9a1b']]]";
        assert!(filled(command, smlog).ends_with("param-key=host_OpaqueRef:9a1b"));
        // Cut before its key, or two different keys: the placeholder stays.
        assert_eq!(filled(command, "MAP_DUPLICATE_KEY(VDI, sm_config, OpaqueRef:5c0e)"), command);
        assert_eq!(filled(command, "MAP_DUPLICATE_KEY(VDI, sm_config, OpaqueRef:1, paused)\nMAP_DUPLICATE_KEY(VDI, sm_config, OpaqueRef:1, attached)"), command);
        // A list longer than the window (whose 400th byte falls inside `é`) is not read, and does not panic.
        let long = format!("MAP_DUPLICATE_KEY(VDI, sm_config, {}é, paused)", "x".repeat(382));
        assert_eq!(filled(command, &long), command);
        // A key with shell characters is not a value.
        assert_eq!(filled(command, "MAP_DUPLICATE_KEY(VDI, sm_config, OpaqueRef:1, $(reboot))"), command);
    }

    #[test]
    fn a_failed_connection_names_its_address() {
        assert_eq!(filled("nc -zv <host-address> 443", "Error: connect ETIMEDOUT 192.0.2.10:443"), "nc -zv 192.0.2.10 443");
        assert_eq!(filled("getent hosts <host-name>", "getaddrinfo ENOTFOUND xcp-master.lan"), "getent hosts xcp-master.lan");
        assert_eq!(filled("nc -zv <host-address> 443", "connect ECONNREFUSED [2001:db8::1]:443"), "nc -zv 2001:db8::1 443");
        assert_eq!(filled("getent hosts <s3-endpoint>", "Error: getaddrinfo EAI_AGAIN https"), "getent hosts <s3-endpoint>");
        // A step that tests another port than the one that failed keeps its placeholder.
        assert_eq!(filled("nc -zv <host-address> 443", "connect ETIMEDOUT 127.0.0.1:6379"), "nc -zv <host-address> 443");
        assert_eq!(filled("nc -zv <host-address> 6379", "connect ETIMEDOUT 127.0.0.1:6379"), "nc -zv 127.0.0.1 6379");
        assert_eq!(filled("ping <host-address>", "connect ETIMEDOUT 127.0.0.1:6379"), "ping 127.0.0.1");
        let login = "iscsiadm: Could not login to [iface: default, target: iqn.2005-10.org.freenas.ctl:xcp, portal: 192.0.2.21,3260].";
        assert_eq!(filled("iscsiadm -m discovery -t st -p <target-address>", login), "iscsiadm -m discovery -t st -p 192.0.2.21");
        // Two portals: left; the iqn (`target: iqn…`) is no address.
        let two = format!("{login}\niscsiadm: Could not login to [iface: default, target: iqn.x:y, portal: 192.0.2.22,3260].");
        assert_eq!(filled("ping <target-ip>", &two), "ping <target-ip>");
        assert_eq!(filled("ping <target-ip>", "Login to [iface: default, target: iqn.2005-10.org.freenas.ctl:xcp]"), "ping <target-ip>");
        let scan = "Apr 11 13:36:21 xcp1 SM: [24954] scanning2 (target=192.0.2.15)";
        assert_eq!(filled("iscsiadm -m discovery -t st -p <target-ip>", scan), "iscsiadm -m discovery -t st -p 192.0.2.15");
    }

    #[test]
    fn storage_paths_name_the_sr_and_disk() {
        let text = "FAILED in util.pread: (rc 22) stdout: '', stderr: '/var/run/sr-mount/8a7e9f0c-1d2b-4c3d-9e8f-0a1b2c3d4e5f/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0.vhd: bad footer'";
        assert_eq!(filled("xe sr-scan uuid=<sr-uuid>", text), "xe sr-scan uuid=8a7e9f0c-1d2b-4c3d-9e8f-0a1b2c3d4e5f");
        assert_eq!(filled("xe vdi-param-list uuid=<vdi-uuid>", text), "xe vdi-param-list uuid=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");
        let lvm = "lvchange -ay /dev/VG_XenStorage-8a7e9f0c-1d2b-4c3d-9e8f-0a1b2c3d4e5f/VHD-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
        assert_eq!(filled("xe vdi-param-list uuid=<vdi-uuid>", lvm), "xe vdi-param-list uuid=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");
        let backup = "ENOENT: no such file or directory, scandir '/run/xo-server/mounts/d622/xo-vm-backups/4f1c9a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b/vdis'";
        assert_eq!(filled("xe vm-param-list uuid=<vm-uuid>", backup), "xe vm-param-list uuid=4f1c9a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
    }

    #[test]
    fn the_xe_cli_names_the_vm_and_host_of_an_error() {
        let text = "The bootloader returned an error\nvm: 4f1c9a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b (web-01)\nhost: 8a7e9f0c-1d2b-4c3d-9e8f-0a1b2c3d4e5f (xcp-host1)\nmsg: no kernel";
        assert_eq!(filled("xe vm-param-list uuid=<vm-uuid>", text), "xe vm-param-list uuid=4f1c9a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
        assert_eq!(filled("xe host-param-list uuid=<host-uuid>", text), "xe host-param-list uuid=8a7e9f0c-1d2b-4c3d-9e8f-0a1b2c3d4e5f");
        // A name, not a uuid, after the key leaves the placeholder.
        assert_eq!(filled("xe vm-param-list uuid=<vm-uuid>", "error\nvm: web-01"), "xe vm-param-list uuid=<vm-uuid>");
    }

    #[test]
    fn a_backup_report_names_its_vm() {
        let report = "### web-01\n\n- **UUID**: 3f1e2d3c-aaaa-4bbb-8ccc-0123456789ab\n- **Error**: SR_BACKEND_FAILURE_44(, There is insufficient space, )\n";
        assert_eq!(filled("xe vm-snapshot uuid=<vm-uuid>", report), "xe vm-snapshot uuid=3f1e2d3c-aaaa-4bbb-8ccc-0123456789ab");
        let two = format!("{report}### db-01\n\n- **UUID**: 0a1b2c3d-aaaa-4bbb-8ccc-0123456789ab\n");
        assert_eq!(filled("xe vm-snapshot uuid=<vm-uuid>", &two), "xe vm-snapshot uuid=<vm-uuid>");
    }

    #[test]
    fn two_values_leave_the_placeholder() {
        let text = "mount -t nfs 10.0.0.1:/a /run/xo-server/mounts/x\nmount -t nfs 10.0.0.2:/b /run/xo-server/mounts/y";
        assert_eq!(filled("rpcinfo -p <nfs-server>", text), "rpcinfo -p <nfs-server>");
        assert_eq!(filled("ls /run/xo-server/mounts/<remote-id>/", text), "ls /run/xo-server/mounts/<remote-id>/");
        // The same value twice is one value.
        let twice = "mount -t nfs 10.0.0.1:/a /m\nmount.nfs: access denied by server while mounting 10.0.0.1:/a";
        assert_eq!(filled("showmount -e <nfs-server>", twice), "showmount -e 10.0.0.1");
    }

    #[test]
    fn urls_drives_and_hostile_text_are_not_values() {
        assert_eq!(filled("rpcinfo -p <nfs-server>", "GET https://xoa.lan/api/ failed; see C:/logs/x"), "rpcinfo -p <nfs-server>");
        assert_eq!(filled("smbclient //<server>/<share>", "see https://host/share"), "smbclient //<server>/<share>");
        // Shell operators and quotes end a value: they never reach the command.
        assert_eq!(filled("ls /<export-path>", "mount -t nfs srv:/a;rm$(x) /m"), "ls /a");
        assert_eq!(filled("nc -zv <host-address> 443", "connect ETIMEDOUT `reboot`"), "nc -zv <host-address> 443");
    }

    const U1: &str = "4f1c9a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
    const U2: &str = "8a7e9f0c-1d2b-4c3d-9e8f-0a1b2c3d4e5f";
    const U3: &str = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

    #[test]
    fn a_uuid_after_the_word_of_its_object_names_it() {
        let vm = "xe vm-param-list uuid=<vm-uuid>";
        let with_vm = |u: &str| format!("xe vm-param-list uuid={u}");
        // xenopsd's `VM = <uuid>;`, the storage manager's `VDI <uuid>`, `SR <uuid>`, xapi's `pbd '<uuid>'`.
        assert_eq!(filled(vm, &format!("[debug||5 |Async.VM.resume R:9c0d|xenops] VM = {U1}; domid = 3")), with_vm(U1));
        assert_eq!(filled("xe vdi-param-list uuid=<vdi-uuid>", &format!("SM: [909] Cannot destroy VDI {U1} during undo clone")), format!("xe vdi-param-list uuid={U1}"));
        assert_eq!(filled("xe sr-scan uuid=<sr-uuid>", &format!("SMGC: [27623] === SR {U1}: gc ===")), format!("xe sr-scan uuid={U1}"));
        assert_eq!(filled("xe pbd-plug uuid=<pbd-uuid>", &format!("xapi] Could not plug in pbd '{U1}': Server_error")), format!("xe pbd-plug uuid={U1}"));
        assert_eq!(filled("xe host-evacuate uuid=<host-uuid>", &format!(r#"{{"host": "{U1}", "nameLabel": "nfs"}}"#)), format!("xe host-evacuate uuid={U1}"));
        assert_eq!(filled(vm, &format!("Inconsistent snapshot tagging detected {{ vmUuid: '{U1}' }}")), with_vm(U1));
        // Two VMs: left.
        assert_eq!(filled(vm, &format!("VM = {U1}; domid = 3\nVM = {U2}; domid = 4")), vm);
        // Lookalikes: xenopsd's `VBD <vm-uuid>.xvda` is a device of a VM, `VM_check_state` no word,
        // Xen Orchestra's `"sr"` the destination of a copy, a VDI's uuid no SR's.
        assert_eq!(filled("xe vbd-unplug uuid=<vbd-uuid>", &format!("Received an event on managed VBD {U1}.xvda")), "xe vbd-unplug uuid=<vbd-uuid>");
        assert_eq!(filled(vm, &format!(r#"["VM_check_state","{U1}"]"#)), vm);
        assert_eq!(filled("xe sr-scan uuid=<sr-uuid>", &format!(r#"vm.deltaCopy({{"id":"{U1}","sr":"{U2}"}})"#)), "xe sr-scan uuid=<sr-uuid>");
        assert_eq!(filled("xe sr-scan uuid=<sr-uuid>", &format!("Cannot destroy VDI {U1} during undo clone")), "xe sr-scan uuid=<sr-uuid>");
        // A uuid that goes on (`<uuid>-7aa3…`) or a word glued to another (`XVM`) is not one.
        assert_eq!(filled(vm, &format!("VM {U1}-7aa32be8")), vm);
        assert_eq!(filled(vm, &format!("HVM {U1}")), vm);
        // A hostile tail never reaches the command: the uuid is 36 hex digits and dashes.
        assert_eq!(filled(vm, &format!("VM = {U1}; rm -rf /")), with_vm(U1));
    }

    #[test]
    fn a_lock_file_names_its_sr_or_disk() {
        let text = format!("SM: [1045423] lock: released /var/lock/sm/{U1}/sr\nSM: [1045423] lock: opening lock file /var/lock/sm/{U2}/vdi");
        assert_eq!(filled("xe sr-scan uuid=<sr-uuid>", &text), format!("xe sr-scan uuid={U1}"));
        assert_eq!(filled("xe vdi-param-list uuid=<vdi-uuid>", &text), format!("xe vdi-param-list uuid={U2}"));
        // Two SRs' locks: left; a lock of another kind (`…/srx`, `gc_active`) is not the SR's.
        let two = format!("lock: released /var/lock/sm/{U1}/sr\nlock: released /var/lock/sm/{U2}/sr");
        assert_eq!(filled("xe sr-scan uuid=<sr-uuid>", &two), "xe sr-scan uuid=<sr-uuid>");
        assert_eq!(filled("xe sr-scan uuid=<sr-uuid>", &format!("/var/lock/sm/{U1}/srx")), "xe sr-scan uuid=<sr-uuid>");
    }

    #[test]
    fn the_storage_manager_s_link_names_the_sr_and_disk() {
        let text = format!("vhd-tool stream --source-format raw --source /dev/sm/backend/{U1}/{U2} --destination-format raw");
        assert_eq!(filled("xe sr-scan uuid=<sr-uuid>", &text), format!("xe sr-scan uuid={U1}"));
        assert_eq!(filled("xe vdi-param-list uuid=<vdi-uuid>", &text), format!("xe vdi-param-list uuid={U2}"));
        // Two disks of one SR: the SR is filled, the disk left.
        let two = format!("{text}\n/dev/sm/phy/{U1}/{U3}");
        assert_eq!(filled("xe sr-scan uuid=<sr-uuid>", &two), format!("xe sr-scan uuid={U1}"));
        assert_eq!(filled("xe vdi-param-list uuid=<vdi-uuid>", &two), "xe vdi-param-list uuid=<vdi-uuid>");
        // Another directory under /dev/sm is no link of a disk.
        assert_eq!(filled("xe sr-scan uuid=<sr-uuid>", &format!("/dev/sm/other/{U1}/{U2}")), "xe sr-scan uuid=<sr-uuid>");
    }

    #[test]
    fn an_xe_command_names_its_object() {
        let vm = "xe vm-param-get uuid=<vm-uuid> param-name=platform";
        assert_eq!(filled(vm, &format!("[root@lcy2 ~]# xe vm-start uuid={U1}\nThe server failed to handle your request")), format!("xe vm-param-get uuid={U1} param-name=platform"));
        assert_eq!(filled("xe vbd-unplug uuid=<vbd-uuid>", &format!("# xe vbd-plug uuid={U1}\nThe device is already attached")), format!("xe vbd-unplug uuid={U1}"));
        // The object of a `vdi-` command is a disk, not a VM; its `sr-uuid=` is an SR.
        let migrate = format!("# xe vdi-pool-migrate uuid={U1} sr-uuid={U2}");
        assert_eq!(filled(vm, &migrate), vm);
        assert_eq!(filled("xe vdi-param-list uuid=<vdi-uuid>", &migrate), format!("xe vdi-param-list uuid={U1}"));
        // Two VMs started: left.
        assert_eq!(filled(vm, &format!("$ xe vm-start uuid={U1}\n$ xe vm-start uuid={U2}")), vm);
        // A command whose name only ends in `xe` is no xe command.
        assert_eq!(filled(vm, &format!("apt-get install foxe vm-start uuid={U1}")), vm);
    }

    #[test]
    fn a_xen_orchestra_call_names_its_object() {
        let vm = "xe vm-param-list uuid=<vm-uuid>";
        assert_eq!(filled(vm, &format!("vm.start\n{{\n  \"id\": \"{U1}\",\n  \"bypassMacAddressesCheck\": false\n}}")), format!("xe vm-param-list uuid={U1}"));
        assert_eq!(filled("xe host-evacuate uuid=<host-uuid>", &format!(r#"xo:api admin | host.restart({{"id":"{U1}","force":false}}) [4s] =!> Error"#)), format!("xe host-evacuate uuid={U1}"));
        // A disk's call names a disk, not a VM (nor a host).
        let vdi = format!("vdi.delete\n{{\n  \"id\": \"{U1}\"\n}}");
        assert_eq!(filled(vm, &vdi), vm);
        assert_eq!(filled("xe vbd-list vdi-uuid=<vdi-uuid>", &vdi), format!("xe vbd-list vdi-uuid={U1}"));
        // Two calls on two VMs: left.
        assert_eq!(filled(vm, &format!("vm.start {{ \"id\": \"{U1}\" }}\nvm.start {{ \"id\": \"{U2}\" }}")), vm);
        // `Async.VM.start` (XAPI's) is no Xen Orchestra call, and an id that is not a whole uuid is none.
        assert_eq!(filled(vm, &format!("Async.vm.start {{ \"id\": \"{U1}\" }}")), vm);
        assert_eq!(filled(vm, &format!("vm.start {{ \"id\": \"{U1}x\" }}")), vm);
    }

    #[test]
    fn an_nfs_sr_s_device_config_names_its_server() {
        let step = "showmount -e <nfs-server>";
        assert_eq!(filled(step, "xe sr-probe type=nfs device-config:server=192.0.2.15\nError code: SR_BACKEND_FAILURE_101"), "showmount -e 192.0.2.15");
        let smlog = "SM: [24954] sr_probe {'device_config': {'server': '192.0.2.15', 'serverpath': '/mnt/vms'}}";
        assert_eq!(filled(step, smlog), "showmount -e 192.0.2.15");
        assert_eq!(filled("ls /<export-path>", smlog), "ls /mnt/vms");
        assert_eq!(filled(step, r#"sr.createNfs { "server": "192.0.2.16", "serverPath": "/srv/nfs" }"#), "showmount -e 192.0.2.16");
        // A probe of one server and the exports of another: left.
        assert_eq!(filled(step, "xe sr-probe type=nfs device-config:server=192.0.2.15\n# showmount -e 192.0.2.99\nExport list for 192.0.2.99:"), step);
        // An SMB SR's server is a share, not an NFS server.
        assert_eq!(filled(step, "xe sr-create type=smb name-label=vms device-config:server=//192.0.2.15/vms"), step);
    }

    #[test]
    fn a_share_written_with_a_backslash_names_its_server() {
        let text = r#""command": "mount -t cifs //192.0.2.62\\Backups /run/xo-server/mounts/7c7e -o domain=x""#;
        assert_eq!(filled("smbclient //<server>/<share> -c ls", text), "smbclient //192.0.2.62/<share> -c ls");
        // Two servers: left.
        assert_eq!(filled("ping -c 3 <server>", "mount -t cifs //192.0.2.62\\a /m\nmount -t cifs //192.0.2.63\\a /m"), "ping -c 3 <server>");
    }

    #[test]
    fn a_unc_path_escaped_in_json_names_its_server_and_share() {
        let text = r#"sr.createSmb
{
  "server": "\\\\192.0.2.64\\vms\\xen",
  "user": "domain\\user"
}"#;
        assert_eq!(filled("smbclient //<server>/<share> -c ls", text), "smbclient //192.0.2.64/vms -c ls");
        // A backslash that opens no UNC path names nothing.
        assert_eq!(filled("smbclient //<server>/<share>", r#"{ "user": "domain\\user" }"#), "smbclient //<server>/<share>");
    }

    #[test]
    fn a_url_names_the_server_whose_certificate_a_step_reads() {
        let step = "openssl s_client -connect <address>:443";
        assert_eq!(filled(step, "https://mirrors.example.org/8/8.3/repodata/repomd.xml: [Errno 14] curl#60 - \"SSL certificate problem: certificate is not yet valid\""), "openssl s_client -connect mirrors.example.org:443");
        // Two hosts, or the request went to another port: left.
        assert_eq!(filled(step, "GET https://a.example.org/ failed\nGET https://b.example.org/ failed"), step);
        assert_eq!(filled(step, "Get \"https://s3.example.org:9091/bucket/\": x509: certificate signed by unknown authority"), step);
    }

    #[test]
    fn a_call_s_remote_names_its_mount_directory() {
        let step = "df -h /run/xo-server/mounts/<remote-id>";
        assert_eq!(filled(step, &format!(r#"vm.rollingDeltaBackup {{ "id": "{U2}", "depth": 7, "remote": "{U1}" }}"#)), format!("df -h /run/xo-server/mounts/{U1}"));
        // Another remote's mount directory in the same paste: left.
        assert_eq!(filled(step, &format!("\"remote\": \"{U1}\"\nmount /run/xo-server/mounts/{U2}")), step);
    }

    #[test]
    fn a_tapdisk_s_log_tag_names_its_process() {
        let step = "tap-ctl close -m <minor> -p <tapdisk-pid>";
        let text = "Sep  7 17:51:29 host tapdisk[4163]: ERROR: errno -4 at vbd_close\nxl: tap-err:tap_ctl_send_and_receive: failed to receive 'close' message";
        assert_eq!(filled(step, text), "tap-ctl close -m <minor> -p 4163");
        assert_eq!(filled("ps -p <tapdisk-pid>", "tap-err:tap_ctl_connect: couldn't connect to /var/run/blktap-control/ctl21954: Connection refused"), "ps -p 21954");
        // Two tapdisks: left; another process's tag (`qemu-dm-5[4163]`, the storage manager's `SM: [4163]`) is none.
        assert_eq!(filled(step, "tapdisk[4163]: a\ntapdisk[4170]: b"), step);
        assert_eq!(filled(step, "qemu-dm-5[4163]: segfault at 0\nSM: [4163] lock"), step);
        assert_eq!(filled(step, "tapdisk[4163x]: a"), step);
        // The kernel's segfault line names the binary's mapping in brackets too: not a pid.
        let segfault = "kernel: [812345.678901] tapdisk[21954]: segfault at 0 ip 000000000041a2b3 sp 00007ffc1e2d3a40 error 4 in tapdisk[400000+7c000]";
        assert_eq!(filled(step, segfault), "tap-ctl close -m <minor> -p 21954");
        assert_eq!(filled(step, "kernel: qemu[99]: segfault at 0 error 4 in tapdisk[400000+7c000]"), step);
    }

    #[test]
    fn a_vhd_s_path_on_an_sr_names_it() {
        let step = "vhd-util check -n <path-to-vhd>";
        let lvm = "/dev/VG_XenStorage-429666ec-8d46-5f66-0f24-3ff4b5e6f93a/VHD-b95b1c36-5be2-4c03-9956-8823cb24ab90";
        assert_eq!(filled(step, &format!("primary and backup footers do not match {lvm} appears invalid; dumping metadata")), format!("vhd-util check -n {lvm}"));
        let file = "/var/run/sr-mount/16f5c980-eeb6-0fd3-e9b1-dec616309984/os-images/a/535cd7f2-80a5-463a-935c-9c4f52ba0ecf.vhd";
        assert_eq!(filled("vhd-util check -n <vhd-path> -p", &format!("VDI '{file}' has an invalid footer")), format!("vhd-util check -n {file} -p"));
        // Two disks: left; an SR's directory or volume group alone, or a path quoted with a blank, is no VHD.
        assert_eq!(filled(step, &format!("{lvm} and /run/sr-mount/16f5c980-eeb6-0fd3-e9b1-dec616309984/x.vhd")), step);
        assert_eq!(filled(step, "ls /var/run/sr-mount/16f5c980-eeb6-0fd3-e9b1-dec616309984/ /dev/VG_XenStorage-429666ec-8d46-5f66-0f24-3ff4b5e6f93a"), step);
        assert_eq!(filled(step, "vgs VG_XenStorage-429666ec-8d46-5f66-0f24-3ff4b5e6f93a/VHD-b95b1c36-5be2-4c03-9956-8823cb24ab90"), step);
        assert_eq!(filled(step, "'/var/run/sr-mount/a b/x.vhd'"), step);
    }

    #[test]
    fn nothing_to_fill_reads_nothing() {
        let mut findings = vec![finding_with("xe sr-list")];
        fill(&mut findings, "mount -t nfs 10.0.0.1:/a /m");
        assert_eq!(findings[0].remediation[0].command.as_deref(), Some("xe sr-list"));
    }
}

//! Node's `util.inspect` print of an object, read back into JSON. It is what `xo-cli` prints by
//! default: a call's result as `inspect(result, { depth: null, sorted: true })`, and a refused
//! call as `✖ ` and `inspect(error, …)` — the error's stack, then its own properties in braces
//! (vatesfr/xen-orchestra@9ef53890 `packages/xo-cli/index.mjs`, the end of `main`; `rest.mjs`
//! prints a REST answer the same way without `--json`). A task or backup log printed so is the
//! same object as its JSON, so it is read like the JSON: by its VM, job and task, not as words.
//!
//! What is read is what inspect writes for JSON-like data: keys bare or quoted, strings in `'`,
//! `"` or `` ` `` with JavaScript escapes and joined by `+` across lines, numbers, `true`,
//! `false`, `null`, `undefined`, dates, errors (their stack, then their properties), and the
//! placeholders of what it does not expand (`[Object]`, `[Function: f]`, `[Circular *1]`, read
//! as null). Anything else — a text that is not one whole printed value — gives `None`, and
//! the text is read as text.

use serde_json::{Map, Number, Value};

/// The value printed in `text`, when the whole text is one printed object or array (an error
/// print is an object: its `name`, `message` and `stack`, and its own properties). `None` for
/// anything else.
pub fn to_value(text: &str) -> Option<Value> {
    let text = text.trim();
    let text = text.strip_prefix('\u{2716}').map_or(text, str::trim_start);
    // A bare stack (`Error: …` and frames) is text, read as text; an error print is read here
    // only with the properties inspect adds after it.
    let is_container = text.starts_with(['{', '[', '<']);
    if !is_container && !text.contains(" {\n") {
        return None;
    }
    let mut reader = Reader { s: text.as_bytes(), text, i: 0, depth: 0 };
    let value = reader.value()?;
    reader.skip_ws();
    (reader.i == reader.s.len() && (value.is_object() || value.is_array())).then_some(value)
}

/// How deep containers may nest: serde_json's own limit, so absurd input ends in `None`
/// instead of a stack overflow.
const MAX_DEPTH: usize = 128;

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    depth: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_ws();
        let found = self.peek() == Some(byte);
        if found {
            self.i += 1;
        }
        found
    }

    fn rest(&self) -> &[u8] {
        self.s.get(self.i..).unwrap_or(&[])
    }

    fn value(&mut self) -> Option<Value> {
        self.skip_ws();
        if self.rest().starts_with(b"<ref *") {
            self.i += self.rest().iter().position(|&b| b == b'>')? + 1;
            self.skip_ws();
        }
        match self.peek()? {
            b'{' => self.nested(Self::object),
            b'[' if self.s.get(self.i + 1).is_some_and(|b| b.is_ascii_alphabetic()) => self.placeholder(),
            b'[' => self.nested(Self::array),
            b'\'' | b'"' | b'`' => self.string().map(Value::String),
            b'-' | b'0'..=b'9' => self.number_or_date(),
            b'<' => {
                // `<Buffer 61 62 63>` and the like: not text anyone reads.
                self.i += self.rest().iter().position(|&b| b == b'>')? + 1;
                Some(Value::Null)
            }
            _ => self.word(),
        }
    }

    fn nested(&mut self, read: fn(&mut Self) -> Option<Value>) -> Option<Value> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let value = read(self);
        self.depth -= 1;
        value
    }

    /// `{ key: value, … }`; a `Map`'s `{ key => value, … }` too, its keys as text.
    fn object(&mut self) -> Option<Value> {
        let mut map = Map::new();
        self.entries(b'}', |reader| {
            let key = reader.key()?;
            reader.skip_ws();
            let value = if reader.rest().starts_with(b"=>") {
                reader.i += 2;
                reader.value()?
            } else if reader.eat(b':') {
                reader.value()?
            } else if matches!(reader.peek(), Some(b',' | b'}')) {
                // A `Set`'s member: kept as a key.
                Value::Null
            } else {
                return None;
            };
            map.insert(key, value);
            Some(())
        })?;
        Some(Value::Object(map))
    }

    /// The entries of the container opening here, up to `close`, separated by commas; inspect's
    /// `... 3 more items` where it stopped listing a long one is skipped.
    fn entries(&mut self, close: u8, mut entry: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.i += 1;
        if self.eat(close) {
            return Some(());
        }
        loop {
            self.skip_ws();
            if !self.more_items() {
                entry(self)?;
            }
            if self.eat(close) {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn key(&mut self) -> Option<String> {
        match self.peek()? {
            b'\'' | b'"' | b'`' => self.string(),
            b'[' => {
                // `[Symbol(name)]`
                let end = self.rest().iter().position(|&b| b == b']')?;
                let key = self.text.get(self.i + 1..self.i + end)?.to_owned();
                self.i += end + 1;
                Some(key)
            }
            _ => {
                let start = self.i;
                while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80) {
                    self.i += 1;
                }
                (self.i > start).then(|| self.text.get(start..self.i).map(str::to_owned))?
            }
        }
    }

    /// `[ value, … ]`.
    fn array(&mut self) -> Option<Value> {
        let mut items = Vec::new();
        self.entries(b']', |reader| {
            items.push(reader.value()?);
            Some(())
        })?;
        Some(Value::Array(items))
    }

    /// inspect's `... 12 more items` (or `more properties`) where it stopped listing.
    fn more_items(&mut self) -> bool {
        if !self.rest().starts_with(b"... ") {
            return false;
        }
        let line_end = self.rest().iter().position(|&b| matches!(b, b',' | b'\n' | b']' | b'}')).unwrap_or(self.rest().len());
        self.i += line_end;
        true
    }

    /// `[Object]`, `[Array]`, `[Function: f]`, `[Circular *1]`, `[Getter]`, `[class X]`: null.
    /// `[Error: message]` (an error without a stack): its name and message. A placeholder
    /// followed by braces (`[Function: f] { … }`, `[Object: null prototype] { … }`) is the
    /// object in the braces.
    fn placeholder(&mut self) -> Option<Value> {
        let end = self.rest().iter().position(|&b| b == b']' || b == b'\n')?;
        let inside = self.text.get(self.i + 1..self.i + end)?;
        self.i += end + 1;
        if let Some(container) = self.container_after_prefix() {
            return container;
        }
        match inside.split_once(": ") {
            Some((name, message)) if is_error_name(name) => Some(error_object(name, message, None, Map::new())),
            _ => Some(Value::Null),
        }
    }

    /// The object or array a prefix (`ClassName `, `Map(2) `, `[Object: null prototype] `) is
    /// followed by on the same line, if any.
    fn container_after_prefix(&mut self) -> Option<Option<Value>> {
        let rest = self.rest();
        let spaces = rest.iter().take_while(|&&b| b == b' ').count();
        match rest.get(spaces) {
            Some(b'{' | b'[') if spaces > 0 => {
                self.i += spaces;
                // Counted as a level: `[a] [a] [a] …` must not recurse without end.
                Some(self.nested(Self::value))
            }
            _ => None,
        }
    }

    /// A string in `'`, `"` or `` ` ``, and the ones `+` joins to it across lines; inspect's
    /// `... 9000 more characters` after a cut one is dropped.
    fn string(&mut self) -> Option<String> {
        let mut out = String::new();
        loop {
            self.one_string(&mut out)?;
            if self.rest().starts_with(b"... ") {
                self.more_items();
            }
            let save = self.i;
            self.skip_ws();
            if self.peek() == Some(b'+') {
                self.i += 1;
                self.skip_ws();
                if matches!(self.peek(), Some(b'\'' | b'"' | b'`')) {
                    continue;
                }
            }
            self.i = save;
            return Some(out);
        }
    }

    fn one_string(&mut self, out: &mut String) -> Option<()> {
        let quote = self.peek()?;
        self.i += 1;
        loop {
            let run = self.rest().iter().position(|&b| b == quote || b == b'\\')?;
            out.push_str(self.text.get(self.i..self.i + run)?);
            self.i += run;
            if self.peek()? == quote {
                self.i += 1;
                return Some(());
            }
            self.i += 1;
            let escaped = self.peek()?;
            self.i += 1;
            match escaped {
                b'n' => out.push('\n'),
                b't' => out.push('\t'),
                b'r' => out.push('\r'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'v' => out.push('\u{b}'),
                b'0' => out.push('\0'),
                b'x' => out.push(self.hex_char(2)?),
                b'u' => out.push(self.hex_char(4)?),
                _ => {
                    // `\'`, `\\`, `` \` ``, and a non-ASCII character after a backslash as it is.
                    self.i -= 1;
                    let c = self.text.get(self.i..)?.chars().next()?;
                    out.push(c);
                    self.i += c.len_utf8();
                }
            }
        }
    }

    /// `\xHH` / `\uHHHH`; a lone surrogate half becomes U+FFFD.
    fn hex_char(&mut self, digits: usize) -> Option<char> {
        let hex = self.text.get(self.i..self.i + digits)?;
        self.i += digits;
        let code = u32::from_str_radix(hex, 16).ok()?;
        Some(char::from_u32(code).unwrap_or('\u{fffd}'))
    }

    /// A number (`-32000`, `1.5e3`, a BigInt's `12n`), or a date inspect prints bare
    /// (`2024-05-01T10:00:00.000Z`), kept as its text.
    fn number_or_date(&mut self) -> Option<Value> {
        let start = self.i;
        while self.peek().is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace()) {
            self.i += 1;
        }
        let token = self.text.get(start..self.i)?;
        let digits = token.strip_suffix('n').unwrap_or(token);
        // serde_json's own number reader: `str::parse::<f64>` would add core's float parser
        // (~18 KB of the gzipped module) for the few decimals a log has.
        if let Ok(n) = serde_json::from_str::<Number>(digits) {
            return Some(Value::Number(n));
        }
        match token {
            "-Infinity" | "-0" => Some(Value::Null),
            _ if token.as_bytes().first().is_some_and(u8::is_ascii_digit) && token.contains('-') => Some(Value::String(token.to_owned())),
            _ => None,
        }
    }

    /// `true`, `false`, `null`, `undefined`, `NaN`, `Infinity`, `Symbol(x)`; an object behind
    /// its class's name (`XapiError {`, `Map(2) {`); an error's stack followed by its
    /// properties.
    fn word(&mut self) -> Option<Value> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'(' | b')' | b'.')) {
            self.i += 1;
        }
        let word = self.text.get(start..self.i)?;
        let simple = match word {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            "null" | "undefined" | "NaN" | "Infinity" => Some(Value::Null),
            _ if word.starts_with("Symbol(") => Some(Value::String(word.to_owned())),
            _ => None,
        };
        if let Some(value) = simple {
            return Some(value);
        }
        if word.is_empty() {
            return None;
        }
        if is_error_name(word) {
            self.i = start;
            return self.error_print();
        }
        if self.rest().starts_with(b" [") {
            // `Buffer(3) [Uint8Array] [ … ]`: the tag, then the array.
            if let Some(end) = self.rest().iter().position(|&b| b == b']') {
                let tagged = self.i;
                self.i += end + 1;
                if let Some(container) = self.container_after_prefix() {
                    return container;
                }
                self.i = tagged;
            }
        }
        self.container_after_prefix()?
    }

    /// An error as inspect prints it: its stack (`Name: message`, maybe more lines of message,
    /// then `    at …` frames), and, when it has own properties, ` {` at the end of the last
    /// line and the properties.
    fn error_print(&mut self) -> Option<Value> {
        let start = self.i;
        let lines = self.text.get(start..)?;
        let mut end = 0;
        let mut seen_frame = false;
        let mut opens_props = false;
        for (n, line) in lines.split_inclusive('\n').enumerate() {
            let body = line.trim_end();
            let is_frame = body.trim_start().starts_with("at ") || body.trim_start().starts_with("... ");
            if n > 0 && !is_frame && (seen_frame || !frame_follows(lines.get(end..).unwrap_or(""))) {
                break;
            }
            seen_frame |= is_frame;
            if let Some(before) = body.strip_suffix(" {") {
                end += before.len();
                opens_props = true;
                break;
            }
            end += line.len();
        }
        let stack = lines.get(..end)?.trim_end();
        self.i = start + end;
        let props = if opens_props {
            self.skip_ws();
            match self.nested(Self::object)? {
                Value::Object(props) => props,
                _ => return None,
            }
        } else {
            Map::new()
        };
        let (head, message) = stack.split_once(": ").unwrap_or((stack.lines().next().unwrap_or(""), ""));
        let name = error_header_name(head).unwrap_or(head);
        // The message's lines, up to the frames; inside an object inspect indents every line
        // of the stack after the first.
        let message = message.lines().map(str::trim_start).take_while(|l| !l.starts_with("at ")).collect::<Vec<_>>().join("\n");
        Some(error_object(name.trim(), &message, Some(stack), props))
    }
}

/// Whether a line of frames (`at …`) comes before any line that looks like a property or the
/// end of the object: the message of an error can have several lines before its frames.
fn frame_follows(rest: &str) -> bool {
    rest.lines().take(40).any(|l| l.trim_start().starts_with("at "))
}

/// The error's name in the head of its stack's first line: `XapiError`, or inspect's
/// `Error [JsonRpcError]` (an error whose `name` is not its class's: the name) and
/// `Error [ERR_SOCKET_TIMEOUT]` (Node's errors with a code: the class).
pub(super) fn error_header_name(head: &str) -> Option<&str> {
    let (class, tag) = match head.split_once(" [") {
        Some((class, rest)) => (class, Some(rest.strip_suffix(']')?)),
        None => (head, None),
    };
    if !is_error_name(class) {
        return None;
    }
    Some(tag.filter(|t| is_error_name(t)).unwrap_or(class))
}

/// `Error`, `XapiError`, `TypeError`, `JsonRpcError`, `AggregateError`, `Exception`…: the
/// names inspect prints at the start of an error's stack.
fn is_error_name(name: &str) -> bool {
    let name = name.trim();
    (name.ends_with("Error") || name.ends_with("Exception"))
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'.')
}

/// The object of an error: its own properties, and `name`, `message` and `stack` as Xen
/// Orchestra serialises them, unless the properties already have them.
fn error_object(name: &str, message: &str, stack: Option<&str>, mut props: Map<String, Value>) -> Value {
    props.entry("name").or_insert_with(|| Value::String(name.to_owned()));
    props.entry("message").or_insert_with(|| Value::String(message.trim().to_owned()));
    if let Some(stack) = stack {
        props.entry("stack").or_insert_with(|| Value::String(stack.to_owned()));
    }
    Value::Object(props)
}

#[cfg(test)]
mod tests {
    use super::to_value;
    use serde_json::json;

    #[test]
    fn reads_an_object_with_bare_keys_quoted_strings_and_joined_lines() {
        let text = "{\n  code: 'VDI_IO_ERROR',\n  'odd-key': \"it's\",\n  n: -32000,\n  f: 1.5,\n  ok: true,\n  gone: undefined,\n  params: [ 'Device I/O errors' ],\n  stack: 'XapiError: VDI_IO_ERROR\\n' +\n    '    at Xapi.call (file:///a.mjs:1:2)'\n}";
        let v = to_value(text).expect("read");
        assert_eq!(v["code"], "VDI_IO_ERROR");
        assert_eq!(v["odd-key"], "it's");
        assert_eq!(v["n"], -32000);
        assert_eq!(v["f"], 1.5);
        assert_eq!(v["ok"], true);
        assert!(v["gone"].is_null());
        assert_eq!(v["params"], json!(["Device I/O errors"]));
        assert_eq!(v["stack"], "XapiError: VDI_IO_ERROR\n    at Xapi.call (file:///a.mjs:1:2)");
    }

    #[test]
    fn reads_an_error_print_with_its_properties() {
        let text = "\u{2716} JsonRpcError: VDI_IO_ERROR(Device I/O errors)\n    at Peer._callee$ (/usr/lib/node_modules/xo-cli/index.js:139:44) {\n  code: -32000,\n  data: {\n    call: { method: 'VDI.export_raw_vdi', params: [ 'OpaqueRef:1' ] },\n    code: 'VDI_IO_ERROR',\n    params: [ 'Device I/O errors' ]\n  }\n}";
        let v = to_value(text).expect("read");
        assert_eq!(v["name"], "JsonRpcError");
        assert_eq!(v["message"], "VDI_IO_ERROR(Device I/O errors)");
        assert_eq!(v["code"], -32000);
        assert_eq!(v["data"]["call"]["method"], "VDI.export_raw_vdi");
        assert!(v["stack"].as_str().is_some_and(|s| s.ends_with("index.js:139:44)")));
    }

    /// Node 20's own print (`inspect(o, { depth: null, sorted: true })`) of an object holding
    /// an error with two lines of message and its own property, and the placeholders.
    #[test]
    fn reads_an_error_nested_in_an_object_and_placeholders() {
        let text = "<ref *1> {\n  bare: [TypeError: lost],\n  big: 12n,\n  buf: <Buffer 61 62 63>,\n  error: Error: Command failed: mount\n  mount error(13): Permission denied\n      at ChildProcess.exithandler (node:child_process:422:12)\n      at ChildProcess.emit (node:events:517:28) {\n    code: 32\n  },\n  fn: [Function: f],\n  list: [\n     0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11,\n    12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,\n    24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,\n    36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,\n    48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59,\n    60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,\n    72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83,\n    84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,\n    96, 97, 98, 99,\n    ... 5 more items\n  ],\n  m: Map(1) { 'a' => 1 },\n  nan: NaN,\n  neg: -0,\n  np: [Object: null prototype] { x: 1 },\n  s: Set(1) { 'x' },\n  self: [Circular *1],\n  str: `it's \"q\"`,\n  sym: Symbol(k),\n  when: 2024-05-01T10:00:00.000Z\n}";
        let v = to_value(text).expect("read");
        assert_eq!(v["error"]["code"], 32);
        assert_eq!(v["error"]["name"], "Error");
        assert_eq!(v["error"]["message"], "Command failed: mount\nmount error(13): Permission denied");
        assert!(v["error"]["stack"].as_str().is_some_and(|s| s.ends_with("(node:events:517:28)")));
        assert!(v["fn"].is_null() && v["self"].is_null() && v["buf"].is_null() && v["nan"].is_null());
        assert_eq!(v["bare"], json!({"name": "TypeError", "message": "lost"}));
        assert_eq!(v["big"], 12);
        assert_eq!(v["when"], "2024-05-01T10:00:00.000Z");
        assert_eq!(v["list"].as_array().map(Vec::len), Some(100));
        assert_eq!(v["m"], json!({"a": 1}));
        assert_eq!(v["np"], json!({"x": 1}));
        assert_eq!(v["s"], json!({"x": null}));
        assert_eq!(v["str"], "it's \"q\"");
        assert_eq!(v["sym"], "Symbol(k)");
    }

    /// Node 20 prints an error whose `name` is not its class's as `Error [Name]: …`.
    #[test]
    fn reads_the_name_inspect_puts_in_brackets() {
        let text = "\u{2716} Error [JsonRpcError]: SR_BACKEND_FAILURE_44(, There is insufficient space, )\n    at Peer._callee$ (/usr/local/lib/node_modules/xo-cli/node_modules/json-rpc-peer/dist/index.js:139:44) {\n  code: -32000,\n  data: { code: 'SR_BACKEND_FAILURE_44', params: [ '', 'There is insufficient space', '' ] }\n}";
        let v = to_value(text).expect("read");
        assert_eq!(v["name"], "JsonRpcError");
        assert_eq!(v["data"]["code"], "SR_BACKEND_FAILURE_44");
        assert_eq!(super::error_header_name("Error [ERR_SOCKET_TIMEOUT]"), Some("Error"));
        assert_eq!(super::error_header_name("a sentence"), None);
    }

    #[test]
    fn refuses_what_is_not_one_printed_value() {
        for text in ["", "{", "{ a: }", "hello world", "{ a: 1 } trailing", "[ 'x' ", "'just a string'", "{ a: 'unterminated }", "Error: no frames"] {
            assert!(to_value(text).is_none(), "{text:?}");
        }
        let deep = "{ a: ".repeat(500) + &"}".repeat(500);
        assert!(to_value(&deep).is_none());
        let prefixes = "{ a: ".to_string() + &"[Object] ".repeat(100_000) + "{} }";
        assert!(to_value(&prefixes).is_none());
        assert!(to_value("{ s: '\\xZZ' }").is_none());
    }
}

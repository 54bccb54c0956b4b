#!/usr/bin/env python3
"""The earlier doc lines of XAPI error codes, from the history of xen-api's datamodel.

`xe` prints a documented error as its doc line (then `param: value` lines), so output from an
older host carries the doc line of its version. This walks every commit of a xen-api clone that
touched the datamodel's error declarations and writes each doc line a code had that differs from
its doc in data/api_errors.json (or api_errors_removed.json), with the first and last commit dates it was seen on (a doc line
that several codes shared is left out: it does not tell which one it was):

    python3 tests/tools/api_error_docs_history.py <xen-api git dir> > data/api_error_docs_earlier.json

Error declarations read: `error Api_errors.<name> [params] ~doc:"..."` in ocaml/idl/datamodel.ml
(older) and ocaml/idl/datamodel_errors.ml; `<name>` is mapped to the code on the wire through
`let <name> = "<CODE>"` in api_errors.ml of the same commit.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

DATAMODEL = ["ocaml/idl/datamodel_errors.ml", "ocaml/idl/datamodel.ml"]
API_ERRORS = ["ocaml/xapi-consts/api_errors.ml", "ocaml/idl/api_errors.ml", "ocaml/xapi-types/api_errors.ml"]
DECLARATION = re.compile(r'error\s+(?:Api_errors\.)?(\w+)\s*\[[^\]]*\]\s*~doc:\s*"((?:[^"\\]|\\.)*)"', re.S)
CONSTANT = re.compile(r'let\s+(\w+)\s*=\s*"([A-Z][A-Z0-9_]*)"')


def git(repo, *args):
    r = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, errors="replace")
    return r.stdout if r.returncode == 0 else None


def ocaml_string(s):
    s = re.sub(r"\\\n[ \t]*", "", s)  # a backslash-newline continues the string, blanks skipped
    s = s.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
    return re.sub(r"\s+", " ", s).strip()


def main():
    repo = sys.argv[1]
    root = Path(__file__).resolve().parents[2]
    catalogue = json.load(open(root / "data/api_errors.json")) + json.load(open(root / "data/api_errors_removed.json"))
    current = {e["code"]: e["doc"] or "" for e in catalogue}
    known = set(current)
    commits = git(repo, "log", "--format=%H %cs", "--", *DATAMODEL).split("\n")
    seen = {}  # (code, doc) -> [first, last]
    for line in filter(None, commits):
        commit, date = line.split()
        constants = {}
        for path in API_ERRORS:
            text = git(repo, "show", f"{commit}:{path}")
            if text:
                constants.update(CONSTANT.findall(text))
        for path in DATAMODEL:
            text = git(repo, "show", f"{commit}:{path}")
            if not text:
                continue
            for name, doc in DECLARATION.findall(text):
                code = constants.get(name, name.upper())
                doc = ocaml_string(doc)
                if code not in known or doc == current.get(code) or len(doc) < 20:
                    continue
                span = seen.setdefault((code, doc), [date, date])
                span[0], span[1] = min(span[0], date), max(span[1], date)
    # A doc line several codes had (or one code has now) does not tell which code it was: left out.
    codes_of = {}
    for (code, doc) in seen:
        codes_of.setdefault(doc, set()).add(code)
    for code, doc in current.items():
        codes_of.setdefault(doc, set()).add(code)
    out = [
        {"code": c, "doc": d, "first_seen": s[0], "last_seen": s[1]}
        for (c, d), s in sorted(seen.items())
        if len(codes_of[d]) == 1
    ]
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

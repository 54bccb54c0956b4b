#!/usr/bin/env python3
"""XenCenter's English texts of XAPI errors, from xenadmin's `FriendlyErrorNames.resx`.

XenCenter (and XCP-ng Center, its fork) does not show a failed call's code: it shows its own
text for the code, with the error's parameters put in its `{0}`, `{1}` placeholders. This
writes every text of that resource file as it is (XML entities decoded, nothing else changed),
keyed by the resource name: the code, or `CODE-SHORT` for the shorter variant some codes have.

    git -C <xenadmin clone> show <commit>:XenModel/XenAPI/FriendlyErrorNames.resx > f.resx
    python3 tests/tools/xencenter_error_texts.py f.resx <commit> > data/xencenter_error_texts.json

Which texts are used (codes of our catalogue, specific enough to name their code) is decided
by build.rs, not here: this file only carries the facts over.
"""
import json
import sys
import xml.etree.ElementTree as ET


def main():
    path, commit = sys.argv[1], sys.argv[2]
    root = ET.parse(path).getroot()
    texts = {}
    for data in root.findall("data"):
        value = data.find("value")
        # Typed resources (images, colours) are not texts.
        if value is None or data.get("type") or data.get("mimetype"):
            continue
        texts[data.get("name")] = value.text or ""
    out = {
        "_source": "xenserver/xenadmin XenModel/XenAPI/FriendlyErrorNames.resx at commit "
        + commit
        + ": XenCenter's English text of each XAPI error code (`{n}` is the error's n-th parameter). "
        "Extracted by tests/tools/xencenter_error_texts.py; build.rs keeps the texts that name their code.",
    }
    out.update(sorted(texts.items()))
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

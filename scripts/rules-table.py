#!/usr/bin/env python3
"""rules-table.py [--check] — the table of every shipped tool rule in
rules/README.md (between <!-- rules-table:begin --> and
<!-- rules-table:end -->): rule, category, severity, signal, tool, and what
it keys on (its strings, shortened, and whether it wants an ELF file or a
script). Written from the rules/tools/*.yar files themselves, so it cannot
drift: --check exits 1 when the README's table is not what the rules say
(tests/integration/yara.sh runs it)."""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "rules", "README.md")
BEGIN, END = "<!-- rules-table:begin -->", "<!-- rules-table:end -->"


def rules_of(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for m in re.finditer(r"^rule\s+(\w+)\s*\{(.*?)^\}", text, flags=re.S | re.M):
        name, body = m.group(1), m.group(2)
        meta = dict(re.findall(r'^\s*(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"', body.split("strings:")[0], flags=re.M))
        strings = []
        if "strings:" in body:
            part = body.split("strings:", 1)[1].split("condition:")[0]
            for s in re.findall(r'^\s*\$\w*\s*=\s*(.+?)\s*$', part, flags=re.M):
                s = re.sub(r"\s+(ascii|wide|nocase|fullword|private|xor|base64)\b.*$", "", s)
                strings.append(s)
        cond = body.split("condition:", 1)[1] if "condition:" in body else ""
        elf, script = "== 0x7f454c46" in cond, "0x2123" in cond
        kind = ("ELF or script" if elf and script and " or uint16(0) == 0x2123" in cond
                else "ELF" if elf else "script" if "!= 0x7f454c46" in cond else "any file")
        yield name, meta, strings, kind


def cell(s):
    return s.replace("|", "\\|").replace("`", "'")


def table():
    rows = ["| rule | category | severity | signal | tool | keys on |", "| --- | --- | --- | --- | --- | --- |"]
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "tools", "*.yar"))):
        for name, meta, strings, kind in rules_of(path):
            keys = "; ".join(s if len(s) <= 48 else s[:45] + "..." for s in strings[:4])
            if len(strings) > 4:
                keys += "; +%d more" % (len(strings) - 4)
            rows.append("| `%s` | %s | %s | %s | %s | %s: %s |" % (
                name, meta.get("category", "?"), meta.get("severity", "?"),
                meta.get("signal", "content"), cell(meta.get("tool", "?")), kind,
                cell(keys) if keys else "(condition only)"))
    return "\n".join(rows) + "\n"


def main():
    text = open(README, encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        sys.exit("rules-table: no %s ... %s markers in %s" % (BEGIN, END, README))
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + BEGIN + "\n" + table() + END + tail
    if "--check" in sys.argv:
        if new != text:
            sys.exit("rules-table: rules/README.md's table is out of date: run scripts/rules-table.py")
        return
    open(README, "w", encoding="utf-8").write(new)


main()

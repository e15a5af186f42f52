#!/usr/bin/env python3
"""Compare the containerd oracle's view of an image with portcullis's.

usage: compare.py [--strict] ORACLE_JSON PORTCULLIS_JSON

ORACLE_JSON is the output of `pcoracle LAYOUT`, PORTCULLIS_JSON the output
of `portcullis inspect --format json` (same schema plus "refused": bool).
Either may be "-" for standard input.

Exit status:
  0  the views agree, or portcullis refused the image, or the runtime
     refuses the image while portcullis judged it (a note is printed;
     judging an image that cannot run is not a bypass)
  1  there are differences (one line each: DIFF path field oracle=... portcullis=...),
     or, with --strict, the runtime refuses an image portcullis accepted
  2  usage error or unreadable input
"""

import json
import re
import sys

FILE_FIELDS = ("type", "mode", "uid", "gid", "size", "link", "dev", "cap", "hardlinks")
CONFIG_FIELDS = ("User", "Entrypoint", "Cmd", "WorkingDir", "Env", "ExposedPorts")
# CRI only ever looks at len() of these, so null and [] mean the same.
LIST_FIELDS = ("Entrypoint", "Cmd", "Env", "ExposedPorts")

MISSING = object()


def load(path):
    try:
        if path == "-":
            return json.load(sys.stdin)
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"compare.py: cannot read {path}: {e}", file=sys.stderr)
        sys.exit(2)


def show_path(p):
    if re.search(r"[\s\x00-\x1f\x7f]", p) or p == "":
        return json.dumps(p)
    return p


def show(field, v):
    if v is MISSING:
        return "-"
    if field == "mode" and isinstance(v, int) and not isinstance(v, bool):
        return "0%o" % v
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def norm_cap(v):
    """Raw security.capability hex (the oracle) or portcullis's decoded
    "p=.. i=.. e=.. r=.." text, both as "p=%x i=%x e=%d r=%u"."""
    if v.startswith("p="):
        return v
    try:
        raw = bytes.fromhex(v)
    except ValueError:
        return v
    if len(raw) < 4:
        return "malformed"
    magic = int.from_bytes(raw[0:4], "little")
    rev, eff = magic & 0xFF000000, magic & 1
    words = [int.from_bytes(raw[i:i + 4], "little") for i in range(4, len(raw) - len(raw) % 4, 4)]
    if rev == 0x01000000 and len(raw) == 12:
        p, i, r = words[0], words[1], 0
    elif rev in (0x02000000, 0x03000000) and len(raw) == (20 if rev == 0x02000000 else 24):
        p = words[0] | words[2] << 32
        i = words[1] | words[3] << 32
        r = words[4] if rev == 0x03000000 else 0
    else:
        return "malformed"
    return "p=%x i=%x e=%d r=%d" % (p, i, 1 if eff else 0, r)


def norm_file_field(field, v):
    if field == "cap" and isinstance(v, str):
        return norm_cap(v.lower())
    if field == "dev" and isinstance(v, list):
        return list(v)
    return v


def norm_config_field(field, v):
    if field in LIST_FIELDS:
        if v is None or v is MISSING:
            return []
        if field == "ExposedPorts":
            if isinstance(v, dict):
                v = list(v.keys())
            if isinstance(v, list):
                return sorted(v)
    if field in ("User", "WorkingDir") and (v is None or v is MISSING):
        return ""
    return v


def main(argv):
    args = list(argv[1:])
    strict = False
    if args and args[0] == "--strict":
        strict = True
        args.pop(0)
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    oracle, pc = load(args[0]), load(args[1])
    if not isinstance(oracle, dict) or not isinstance(pc, dict):
        print("compare.py: both inputs must be JSON objects", file=sys.stderr)
        return 2

    if pc.get("refused") is True:
        print(f"portcullis refused: {pc.get('error') or '(no reason given)'}")
        return 0
    if oracle.get("error"):
        print(f"note: the runtime refuses this image but portcullis did not: {oracle['error']}")
        return 1 if strict else 0

    diffs = []

    def diff(path, field, o, p):
        diffs.append(f"DIFF {show_path(path)} {field} oracle={show(field, o)} portcullis={show(field, p)}")

    ofiles = oracle.get("files") or {}
    pfiles = pc.get("files")
    if pfiles is None:
        print("note: portcullis output has no \"files\" object", file=sys.stderr)
        pfiles = {}
    for path in sorted(set(ofiles) | set(pfiles)):
        o, p = ofiles.get(path, MISSING), pfiles.get(path, MISSING)
        if o is MISSING or p is MISSING:
            diffs.append(f"DIFF {show_path(path)} present oracle={'no' if o is MISSING else 'yes'} "
                         f"portcullis={'no' if p is MISSING else 'yes'}")
            continue
        for field in FILE_FIELDS:
            ov = norm_file_field(field, o.get(field, MISSING))
            pv = norm_file_field(field, p.get(field, MISSING))
            if ov != pv:
                diff(path, field, ov, pv)

    ocfg = oracle.get("config") or {}
    pcfg = pc.get("config") or {}
    for field in CONFIG_FIELDS:
        ov = norm_config_field(field, ocfg.get(field, MISSING))
        pv = norm_config_field(field, pcfg.get(field, MISSING))
        if ov != pv:
            diff("config", field, ov, pv)

    ouser = oracle.get("user") or {}
    puser = pc.get("user") or {}
    oerr, perr = "error" in ouser, "error" in puser
    if oerr and not perr:
        # The runtime will not start the container at all; whatever user
        # portcullis judged (it judges the worst runtime's reading) can
        # not turn into a run as someone else.
        print("note: the runtime cannot resolve USER (%s); portcullis judged %s:%s" %
              (ouser.get("error"), puser.get("uid"), puser.get("gid")))
    elif perr and not oerr:
        # portcullis could not resolve USER where the runtime can: it
        # reports root-user for an unresolvable USER (a deny), so this
        # reading never allows; said, not counted.
        print("note: portcullis could not resolve USER (%s); it reports root-user for it, "
              "the runtime resolves %s:%s" % (puser.get("error"), ouser.get("uid"), ouser.get("gid")))
    else:
        for field in ("uid", "gid"):
            ov, pv = ouser.get(field, MISSING), puser.get(field, MISSING)
            if ov != pv:
                diff("user", field, ov, pv)

    for line in diffs:
        print(line)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

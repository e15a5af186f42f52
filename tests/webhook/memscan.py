#!/usr/bin/env python3
"""memscan.py KEY.pem PID...: which forms of a private key each process has
in memory (tests/integration/privsep.sh; needs root, or the processes'
uid with ptrace allowed: key processes are not dumpable).

The forms looked for: the private value itself (openssl pkey -text's
"priv:" or "privateExponent:"), big-endian as ASN.1 and OpenSSL hold it
and little-endian as GMP/nettle limbs (GnuTLS) hold it; the DER of the
file; every line of its PEM body that encodes a byte of the private value
(not the others: an EC key's last line is its public point, which the
certificate holds as well). Every readable mapping
of /proc/PID/maps is read through /proc/PID/mem, except mappings of 4 GiB
or more (AddressSanitizer's shadow: reserved, never key bytes) and
[vvar]/[vsyscall].

Prints one JSON object: {"PID": ["pem-line-1", "private-be", ...], ...};
exit 2 when a process cannot be read at all.

memscan.py --secrets FILE PID...: the same for other secrets (registry
passwords and tokens: tests/integration/regproc.sh); FILE has one
"NAME<TAB>VALUE[<TAB>ENVVAR]" per line, and the names of those found are
printed; with ENVVAR, a copy right after "ENVVAR=" outside the stack is
printed as "NAME@envcopy" (the sanitizer runtime's copy of the whole
environment, read once at start).
"""
import base64
import json
import re
import subprocess
import sys


def needles(path):
    text = open(path).read()
    body = re.search(r"-----BEGIN [A-Z ]+-----\n(.*?)-----END", text, re.S)
    dump = subprocess.run(["openssl", "pkey", "-in", path, "-text", "-noout"],
                          capture_output=True, text=True).stdout
    m = re.search(r"^(priv|privateExponent):\s*\n((?:\s+[0-9a-f:]+\n)+)", dump, re.M)
    out = {}
    if not body or not m:
        return out
    raw = bytes.fromhex(re.sub(r"[^0-9a-f]", "", m.group(2)))
    if len(raw) > 1 and raw[0] == 0 and raw[1] & 0x80:  # the sign byte openssl prints
        raw = raw[1:]
    out["private-be"] = raw
    out["private-le"] = raw[::-1]
    der = base64.b64decode("".join(body.group(1).split()))
    out["der"] = der
    # PEM lines that encode a byte of the private value (the others may be
    # public: an EC key's last line is its public point, which the
    # certificate holds too)
    at = der.find(raw)
    pos = 0
    for i, line in enumerate(l.strip() for l in body.group(1).splitlines()):
        n = len(base64.b64decode(line)) if line else 0
        if n and (at < 0 or pos < at + len(raw) and at < pos + n) and len(line) >= 32:
            out["pem-line-%d" % (i + 1)] = line.encode()
        pos += n
    return out


def scan(pid, wanted, envs=None):
    """envs: for a secret named there, a copy that follows "NAME=" outside
    the stack is reported as "name@envcopy" (a sanitizer runtime's copy of
    the whole environment, which the program cannot wipe)"""
    envs = envs or {}
    found = set()
    longest = max(len(v) for v in wanted.values())
    readable = 0
    with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
        for line in maps:
            f = line.split()
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            name = f[5] if len(f) > 5 else ""
            if not f[1].startswith("r") or name in ("[vvar]", "[vsyscall]") or hi - lo >= 1 << 32:
                continue
            off, tail = lo, b""
            while off < hi:
                n = min(1 << 24, hi - off)
                try:
                    mem.seek(off)
                    chunk = mem.read(n)
                except OSError:
                    break
                readable += len(chunk)
                buf = tail + chunk
                for k, v in wanted.items():
                    at = buf.find(v)
                    while at >= 0:
                        pre = envs.get(k)
                        if pre and name != "[stack]" and buf[max(0, at - len(pre)):at] == pre:
                            found.add(k + "@envcopy")
                        else:
                            found.add(k)
                        at = buf.find(v, at + 1)
                tail = chunk[-(longest - 1):]
                off += n
    return sorted(found), readable


def secrets(path):
    out, envs = {}, {}
    for line in open(path):
        name, _, rest = line.rstrip("\n").partition("\t")
        value, _, env = rest.partition("\t")
        if name and len(value) >= 8:
            out[name] = value.encode()
            if env:
                envs[name] = env.encode() + b"="
    return out, envs


def main():
    envs = None
    if sys.argv[1] == "--secrets":
        wanted, envs = secrets(sys.argv[2])
        del sys.argv[1]
        if not wanted:
            print("memscan: no secret of 8 bytes or more in %s" % sys.argv[1], file=sys.stderr)
            return 2
    else:
        wanted = needles(sys.argv[1])
    if not wanted or ("private-be" not in wanted and "der" in wanted):
        print("memscan: no private value found in %s" % sys.argv[1], file=sys.stderr)
        return 2
    result, rc = {}, 0
    for pid in sys.argv[2:]:
        try:
            found, readable = scan(pid, wanted, envs)
        except OSError as e:
            print("memscan: %s: %s" % (pid, e), file=sys.stderr)
            found, readable = ["unreadable"], 0
        if readable == 0:
            rc = 2
        result[pid] = found
    print(json.dumps(result))
    return rc


if __name__ == "__main__":
    sys.exit(main())

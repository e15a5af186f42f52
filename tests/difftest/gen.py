#!/usr/bin/env python3
"""gen.py - valid-but-tricky OCI image layouts for differential testing.

    gen.py random --seed N [--out DIR] [--dump-spec FILE|-]
    gen.py case SPEC.json --out DIR

`random` draws an image spec from the seed (deterministic: same seed, same
bytes) and builds it; `--dump-spec` writes that spec, so a disagreement can
be kept as a regression case under cases/. `case` builds the image of a
declarative spec. A spec with an "images" list builds one layout per image,
in DIR/0, DIR/1, ...; otherwise DIR is the layout. The layout directories
built are printed on stdout, one a line.

Every tar header is written by hand here, byte by byte (tarfile is not
used), so a spec controls each field: see README.md for the spec format.
Exit status: 0 built, 1 bad spec, 3 cannot be built on this machine (for
example zstd asked for but the zstd CLI missing).
"""

import base64
import copy
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import zlib

BLOCK = 512
DEFAULT_MTIME = 1700000000


class SpecError(Exception):
    pass


class CannotBuild(Exception):
    pass


# ---------------------------------------------------------------- capabilities

CAP_NAMES = [
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
    "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
    "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
    "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
    "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
    "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
]


def cap_number(name):
    n = name.lower()
    if n.startswith("cap_"):
        n = n[4:]
    if n not in CAP_NAMES:
        raise SpecError("unknown capability %r" % name)
    return CAP_NAMES.index(n)


def cap_blob(spec):
    """security.capability value: VFS_CAP_REVISION_2 (20 bytes) or 3 (24, with rootid)."""
    if isinstance(spec, dict) and ("hex" in spec or "b64" in spec):
        return bytes_of(spec)
    if isinstance(spec, str):
        spec = {"caps": [spec]}
    elif isinstance(spec, list):
        spec = {"caps": spec}
    perm = 0
    for c in spec.get("caps", []):
        perm |= 1 << cap_number(c)
    inh = 0
    for c in spec.get("inheritable", []):
        inh |= 1 << cap_number(c)
    version = spec.get("version", 2)
    eff = 1 if spec.get("effective", True) else 0
    lo, hi = perm & 0xFFFFFFFF, perm >> 32
    ilo, ihi = inh & 0xFFFFFFFF, inh >> 32
    if version == 2:
        return struct.pack("<5I", 0x02000000 | eff, lo, ilo, hi, ihi)
    if version == 3:
        return struct.pack("<6I", 0x03000000 | eff, lo, ilo, hi, ihi, spec.get("rootid", 0))
    raise SpecError("capability version must be 2 or 3")


# ---------------------------------------------------------------- byte helpers

def bytes_of(v):
    """A spec value as bytes: str (UTF-8, surrogateescape), {"hex"}, {"b64"}, {"text"}."""
    if v is None:
        return b""
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8", "surrogateescape")
    if isinstance(v, dict):
        if "hex" in v:
            return bytes.fromhex(v["hex"])
        if "b64" in v:
            return base64.b64decode(v["b64"])
        if "text" in v:
            return v["text"].encode("utf-8", "surrogateescape")
        if "repeat" in v:  # {"repeat": "A", "count": 600}
            return bytes_of(v["repeat"]) * int(v["count"])
    raise SpecError("cannot make bytes of %r" % (v,))


def int_of(v, what):
    if isinstance(v, bool):
        raise SpecError("%s: not a number: %r" % (what, v))
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        s = v.strip()
        try:
            if s.startswith(("0x", "0X")):
                return int(s, 16)
            if s.startswith(("0o", "0O")):
                return int(s[2:], 8)
            if what in ("mode", "checksum"):
                return int(s, 8)  # modes are written in octal in specs: "4755"
            return int(s, 10)
        except ValueError:
            pass
    raise SpecError("%s: not a number: %r" % (what, v))


def octal_field(value, width, style="octal"):
    """Encode a number for a tar header field of `width` bytes."""
    if style == "base256" or (style != "raw" and value >= 8 ** (width - 1)) or value < 0:
        if value < 0:
            v = (1 << ((width - 1) * 8)) + value  # two's complement in width-1 bytes
            return bytes([0xFF]) + v.to_bytes(width - 1, "big")
        if value >= 1 << ((width - 1) * 8):
            raise SpecError("value %d too large for a %d-byte field" % (value, width))
        return bytes([0x80]) + value.to_bytes(width - 1, "big")
    digits = "%o" % value
    if style == "octal":  # 0000644\0
        s = digits.rjust(width - 1, "0").encode() + b"\0"
    elif style == "space":  # 0000644<space>
        s = digits.rjust(width - 1, "0").encode() + b" "
    elif style == "lead-space":  # "    644\0"
        s = digits.rjust(width - 1, " ").encode() + b"\0"
    elif style == "short":  # "644\0\0\0\0\0"
        s = digits.encode() + b"\0"
    elif style == "full":  # all width digits, no terminator
        s = digits.rjust(width, "0").encode()
    else:
        raise SpecError("unknown number style %r" % style)
    if len(s) > width:
        raise SpecError("value %d does not fit a %d-byte field in style %s" % (value, width, style))
    return s.ljust(width, b"\0")


def put(buf, off, width, data, what):
    if len(data) > width:
        raise SpecError("%s: %d bytes do not fit a %d-byte field" % (what, len(data), width))
    buf[off:off + width] = data.ljust(width, b"\0")


FIELDS = {  # name: (offset, width)
    "name": (0, 100), "mode": (100, 8), "uid": (108, 8), "gid": (116, 8), "size": (124, 12),
    "mtime": (136, 12), "chksum": (148, 8), "typeflag": (156, 1), "linkname": (157, 100),
    "magic": (257, 6), "version": (263, 2), "uname": (265, 32), "gname": (297, 32),
    "devmajor": (329, 8), "devminor": (337, 8), "prefix": (345, 155),
    "atime": (345, 12), "ctime": (357, 12),
}

TYPEFLAGS = {
    "file": "0", "reg": "0", "hardlink": "1", "link": "1", "symlink": "2", "char": "3", "chr": "3",
    "block": "4", "blk": "4", "dir": "5", "fifo": "6", "cont": "7",
    "pax": "x", "global": "g", "longname": "L", "longlink": "K",
}


def pad(data):
    return data + b"\0" * (-len(data) % BLOCK)


def pax_body(records):
    """records: dict or list of [key, value]; values str or {"hex"}."""
    items = records.items() if isinstance(records, dict) else records
    out = b""
    for k, v in items:
        kb, vb = bytes_of(k), bytes_of(v)
        payload = b" " + kb + b"=" + vb + b"\n"
        n = len(payload) + 1
        while len(str(n)) + len(payload) != n:
            n = len(str(n)) + len(payload)
        out += str(n).encode() + payload
    return out


def split_ustar(name):
    """(prefix, name) for a USTAR header, or None when it cannot be split."""
    if len(name) <= 100:
        return b"", name
    for i in range(len(name) - 1, 0, -1):
        if name[i:i + 1] == b"/" and i <= 155 and len(name) - i - 1 <= 100 and len(name) - i - 1 > 0:
            return name[:i], name[i + 1:]
    return None


# ---------------------------------------------------------------- tar records

class TarWriter:
    """Renders a list of spec entries to tar bytes (no end-of-archive)."""

    def __init__(self):
        self.n = 0

    def header(self, e, typeflag, name, linkname, size, fmt, split=True):
        h = bytearray(BLOCK)
        num = e.get("numeric", {})

        def numfield(field, value):
            off, w = FIELDS[field]
            h[off:off + w] = octal_field(value, w, num.get(field, "octal"))

        if fmt in ("ustar", "pax") and split and len(name) > 100:
            sp = split_ustar(name)
            if sp is None:
                raise SpecError("name %r fits no USTAR name/prefix split" % name)
            put(h, 345, 155, sp[0], "prefix")
            put(h, 0, 100, sp[1], "name")
        else:
            put(h, 0, 100, name, "name")
        numfield("mode", int_of(e.get("mode", default_mode(typeflag)), "mode"))
        numfield("uid", int_of(e.get("uid", 0), "uid"))
        numfield("gid", int_of(e.get("gid", 0), "gid"))
        numfield("size", size)
        numfield("mtime", int_of(e.get("mtime", DEFAULT_MTIME), "mtime"))
        h[156:157] = typeflag
        put(h, 157, 100, linkname, "linkname")
        if fmt in ("ustar", "pax"):
            h[257:263] = b"ustar\0"
            h[263:265] = b"00"
        elif fmt == "gnu":
            h[257:263] = b"ustar "
            h[263:265] = b" \0"
        elif fmt == "v7":
            pass
        else:
            raise SpecError("unknown format %r" % fmt)
        if fmt != "v7":
            put(h, 265, 32, bytes_of(e.get("uname", "")), "uname")
            put(h, 297, 32, bytes_of(e.get("gname", "")), "gname")
            if "devmajor" in e or typeflag in (b"3", b"4"):
                numfield("devmajor", int_of(e.get("devmajor", 0), "devmajor"))
                numfield("devminor", int_of(e.get("devminor", 0), "devminor"))
        for field, raw in e.get("fields", {}).items():
            if field not in FIELDS:
                raise SpecError("unknown header field %r" % field)
            off, w = FIELDS[field]
            b = bytes_of(raw)
            if len(b) > w:
                raise SpecError("field %s: %d bytes > %d" % (field, len(b), w))
            h[off:off + w] = b.ljust(w, b"\0")
        h[148:156] = b" " * 8
        ck = e.get("checksum", "ok")
        if ck == "ok":
            s = sum(h)
        elif ck == "signed":
            s = sum(x - 256 if x > 127 else x for x in h) & 0o777777
        else:
            s = int_of(ck, "checksum")
        h[148:156] = ("%06o" % s).encode() + b"\0 "
        return bytes(h)

    def ext(self, typeflag, name, body, e=None, fmt="ustar"):
        e = dict(e or {})
        e.setdefault("mode", 0o644)
        return self.header(e, typeflag, name, b"", len(body), fmt) + pad(body)

    def render(self, entries):
        return b"".join(self.entry(e) for e in entries)

    def entry(self, e):
        if not isinstance(e, dict):
            raise SpecError("entry must be an object: %r" % (e,))
        self.n += 1
        t = e.get("type", "file")
        if t == "raw":
            return bytes_of(e.get("data", e))
        if t == "zeros":
            return b"\0" * (BLOCK * int(e.get("blocks", 1)))
        name = bytes_of(e.get("name", ""))
        if t == "whiteout":
            d, _, b = name.rpartition(b"/")
            name = (d + b"/" if d else b"") + b".wh." + b
            t = "file"
        elif t == "opaque":
            n = name.strip(b"/")
            name = (n + b"/" if n and n != b"." else b"") + b".wh..wh..opq"
            t = "file"
        if "typeflag" in e:
            tf = bytes_of(e["typeflag"])
        else:
            if t not in TYPEFLAGS:
                raise SpecError("unknown entry type %r" % t)
            tf = TYPEFLAGS[t].encode()
        fmt = e.get("format", "ustar")
        if fmt == "v7" and tf == b"0" and e.get("v7_regtype", "nul") == "nul":
            tf = b"\0"
        linkname = bytes_of(e.get("linkname", ""))

        # the body
        if "body_records" in e:
            body = TarWriter().render(e["body_records"])
        elif "body" in e:
            body = bytes_of(e["body"])
        else:
            body = b""
        size = int_of(e["size"], "size") if "size" in e else len(body)

        # special headers given as entries of their own
        if tf in (b"x", b"g"):
            if "pax_raw" in e:
                body = bytes_of(e["pax_raw"])
            else:
                body = pax_body(e.get("records", {}))
            size = int_of(e["size"], "size") if "size" in e else len(body)
            dflt = b"pax_global_header" if tf == b"g" else b"PaxHeaders/entry"
            return self.header(e, tf, name or dflt, linkname, size, "ustar" if fmt == "pax" else fmt) + pad(body)
        if tf in (b"L", b"K") and "body" not in e and "value" in e:
            body = bytes_of(e["value"]) + b"\0"
            size = len(body)
            return self.header(e, tf, name or b"././@LongLink", b"", size, fmt if fmt != "ustar" else "gnu") + pad(body)

        # extension headers before the entry
        pax = []
        if "pax" in e:
            p = e["pax"]
            pax.extend(p.items() if isinstance(p, dict) else [tuple(x) for x in p])
        for k, v in e.get("xattrs", {}).items():
            pax.append(("SCHILY.xattr." + k, v))
        if "cap" in e:
            pax.append(("SCHILY.xattr.security.capability", {"hex": cap_blob(e["cap"]).hex()}))
        hname = bytes_of(e["name_field"]) if "name_field" in e else name
        hlink = bytes_of(e["linkname_field"]) if "linkname_field" in e else linkname
        longname = bytes_of(e["longname"]) if "longname" in e else None
        longlink = bytes_of(e["longlink"]) if "longlink" in e else None
        split = not e.get("no_split", False)
        # a name that fits no field: the format's own way (GNU: 'L'; else a
        # PAX path record), and a truncated copy in the header
        fits = (split_ustar(hname) is not None and split) if fmt in ("ustar", "pax") else len(hname) <= 100
        if not fits and len(hname) > 100:
            if fmt == "gnu":
                if longname is None:
                    longname = hname
            elif longname is None and not any(k == "path" for k, _ in pax):
                pax.insert(0, ("path", hname))
            hname, split = hname[:100], False
        if len(hlink) > 100:
            if fmt == "gnu":
                if longlink is None:
                    longlink = hlink
            elif longlink is None and not any(k == "linkpath" for k, _ in pax):
                pax.append(("linkpath", hlink))
            hlink = hlink[:100]
        if fmt == "pax":  # everything in PAX records too
            if not any(k == "path" for k, _ in pax):
                pax.insert(0, ("path", name))
            if linkname and not any(k == "linkpath" for k, _ in pax):
                pax.append(("linkpath", linkname))

        exts = {}
        if pax or "pax_raw" in e:
            pbody = bytes_of(e["pax_raw"]) if "pax_raw" in e else pax_body(pax)
            pxname = b"PaxHeaders/" + (name.rstrip(b"/").rpartition(b"/")[2] or b"root")[:80]
            exts["x"] = self.ext(b"x", pxname, pbody, e.get("pax_header"), "ustar")
        if longname is not None:
            exts["L"] = self.ext(b"L", b"././@LongLink", longname + b"\0", e.get("longname_header"), "gnu")
        if longlink is not None:
            exts["K"] = self.ext(b"K", b"././@LongLink", longlink + b"\0", e.get("longlink_header"), "gnu")
        order = e.get("ext_order", ["x", "L", "K"])
        pre = b"".join(exts[k] for k in order if k in exts)
        pre += b"".join(v for k, v in exts.items() if k not in order)
        hfmt = "ustar" if fmt == "pax" else fmt
        return pre + self.header(e, tf, hname, hlink, size, hfmt, split) + pad(body)


def default_mode(tf):
    if tf == b"5":
        return 0o755
    if tf == b"2":
        return 0o777
    if tf in (b"3", b"4"):
        return 0o600
    return 0o644


BASE_ENTRIES = {
    # a small ordinary root filesystem: "base": "minimal" puts it first
    "minimal": [
        {"type": "dir", "name": "bin/", "mode": "755"},
        {"type": "dir", "name": "etc/", "mode": "755"},
        {"type": "dir", "name": "usr/", "mode": "755"},
        {"type": "dir", "name": "usr/bin/", "mode": "755"},
        {"type": "dir", "name": "tmp/", "mode": "1777"},
        {"type": "dir", "name": "home/", "mode": "755"},
        {"type": "dir", "name": "home/app/", "mode": "755", "uid": 1000, "gid": 1000},
        {"type": "file", "name": "etc/passwd", "mode": "644",
         "body": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"},
        {"type": "file", "name": "etc/group", "mode": "644", "body": "root:x:0:\napp:x:1000:\n"},
        {"type": "file", "name": "bin/sh", "mode": "755", "body": "#!fake shell\n"},
    ],
}


def layer_tar(layer):
    """The uncompressed tar stream of a layer spec (with end and trailing bytes)."""
    if "tar_hex" in layer or "tar_b64" in layer:
        return bytes_of({"hex": layer["tar_hex"]} if "tar_hex" in layer else {"b64": layer["tar_b64"]})
    entries = list(layer.get("entries", []))
    if layer.get("base"):
        if layer["base"] not in BASE_ENTRIES:
            raise SpecError("unknown base %r" % layer["base"])
        entries = BASE_ENTRIES[layer["base"]] + entries
    data = TarWriter().render(entries)
    end = layer.get("end", 2)
    data += b"\0" * (BLOCK * int(end))
    if layer.get("record_size"):
        data += b"\0" * (-len(data) % int(layer["record_size"]))
    data += bytes_of(layer.get("trailing", ""))
    return data


# ---------------------------------------------------------------- compression

def have_zstd():
    return shutil.which("zstd") is not None


def zstd_compress(data):
    if not have_zstd():
        raise CannotBuild("zstd compression asked for, but the zstd CLI is not installed")
    return subprocess.run(["zstd", "-q", "-c", "-3", "--no-progress"], input=data,
                          stdout=subprocess.PIPE, check=True).stdout


def zstd_decompress(data):
    if not have_zstd():
        raise CannotBuild("zstd needed to compute a diff ID, but the zstd CLI is not installed")
    return subprocess.run(["zstd", "-q", "-d", "-c"], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def deflate_raw(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15, 9)
    return c.compress(data) + c.flush()


def gzip_member(data, mtime=0, extra=None, name=None):
    flg = 0
    if extra is not None:
        flg |= 0x04
    if name is not None:
        flg |= 0x08
    out = b"\x1f\x8b\x08" + bytes([flg]) + struct.pack("<I", mtime) + b"\x00\xff"
    if extra is not None:
        out += struct.pack("<H", len(extra)) + extra
    if name is not None:
        out += name + b"\0"
    out += deflate_raw(data)
    out += struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return out


def gzip_compress(data, members=1):
    if members <= 1 or len(data) < members:
        return gzip_member(data)
    step = len(data) // members
    parts = [data[i * step:(i + 1) * step] for i in range(members - 1)] + [data[(members - 1) * step:]]
    return b"".join(gzip_member(p) for p in parts)


def polyglot(hidden_tar, payload):
    """Bytes that are a gzip member of `payload` AND a tar whose first
    header starts at offset 0: the raw tar lies in the gzip header's FEXTRA
    field. hidden_tar's first header must be one whose name Go ignores
    (a PAX 'x' header); its first 12 bytes are overwritten by the gzip
    header and XLEN."""
    # Go reads the 'x' header's name field but never uses it; its checksum
    # covers the gzip header bytes, so recompute after splicing them in.
    xlen = len(hidden_tar) - 12
    if xlen > 0xFFFF:
        raise SpecError("polyglot: the hidden tar is %d bytes; at most 65547 fit in FEXTRA" % len(hidden_tar))
    head = b"\x1f\x8b\x08\x04" + b"PCDT" + b"\x00\x03" + struct.pack("<H", xlen)
    t = bytearray(hidden_tar)
    t[0:12] = head
    if t[156:157] not in (b"x", b"g", b"L", b"K"):
        raise SpecError("polyglot: the hidden tar must start with a PAX or GNU long-name header")
    t[148:156] = b" " * 8
    t[148:156] = ("%06o" % sum(t[0:BLOCK])).encode() + b"\0 "
    out = bytes(t) + deflate_raw(payload)
    out += struct.pack("<II", zlib.crc32(payload) & 0xFFFFFFFF, len(payload) & 0xFFFFFFFF)
    return out


MEDIA = {
    "tar": "application/vnd.oci.image.layer.v1.tar",
    "tar+gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "tar+zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "nondist-tar": "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "nondist-gzip": "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "docker-tar": "application/vnd.docker.image.rootfs.diff.tar",
    "docker-gzip": "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "docker-foreign": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
}
DEFAULT_MEDIA = {"gzip": "tar+gzip", "zstd": "tar+zstd", "raw": "tar", "polyglot": "tar+gzip",
                 "polyglot-zstd": "tar+zstd"}

# What containerd 1.6 decompresses: images.DiffCompression says whether a
# media type may be compressed ("" = read raw); if so,
# compression.DecompressStream sniffs the magic (gzip, zstd or a zstd
# skippable frame) and reads anything else raw.
DOCKER_TAR = ("application/vnd.docker.image.rootfs.diff.tar",
              "application/vnd.docker.image.rootfs.foreign.diff.tar")
DOCKER_GZIP = ("application/vnd.docker.image.rootfs.diff.tar.gzip",
               "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")
OCI_LAYER = ("application/vnd.oci.image.layer.v1.tar",
             "application/vnd.oci.image.layer.nondistributable.v1.tar")


def may_be_compressed(media_type):
    parts = media_type.split("+")
    base, ext = parts[0], sorted(parts[1:])
    if base in DOCKER_TAR or base in DOCKER_GZIP:
        return not ext
    if base in OCI_LAYER:
        return bool(ext) and ext[-1] in ("gzip", "zstd")
    return False


def sniff(blob):
    if blob[:3] == b"\x1f\x8b\x08":
        return "gzip"
    if blob[:4] == b"\x28\xb5\x2f\xfd" or (len(blob) >= 4 and struct.unpack("<I", blob[:4])[0] & 0xFFFFFFF0 == 0x184D2A50):
        return "zstd"
    return "raw"


def runtime_view(blob, media_type):
    """The uncompressed stream containerd hashes for the diff ID."""
    if not may_be_compressed(media_type):
        return blob
    kind = sniff(blob)
    if kind == "gzip":
        return gzip.decompress(blob)
    if kind == "zstd":
        return zstd_decompress(blob)
    return blob


def zstd_polyglot(hidden_tar, payload):
    """A zstd skippable frame whose magic and size are the first 8 bytes of
    a raw tar (an 'x' header's ignored name) and whose data is the rest of
    that tar, then a zstd frame of `payload`."""
    t = bytearray(hidden_tar)
    if t[156:157] not in (b"x", b"g", b"L", b"K"):
        raise SpecError("polyglot: the hidden tar must start with a PAX or GNU long-name header")
    t[0:8] = struct.pack("<II", 0x184D2A5A, len(hidden_tar) - 8)
    t[148:156] = b" " * 8
    t[148:156] = ("%06o" % sum(t[0:BLOCK])).encode() + b"\0 "
    return bytes(t) + zstd_compress(payload)


def build_layer(layer):
    """(blob bytes, media type, diff id)"""
    comp = layer.get("compression", "gzip")
    if "blob_hex" in layer or "blob_b64" in layer:
        blob = bytes_of({"hex": layer["blob_hex"]} if "blob_hex" in layer else {"b64": layer["blob_b64"]})
    else:
        tar = layer_tar(layer)
        if comp == "gzip":
            blob = gzip_compress(tar, int(layer.get("gzip_members", 1)))
        elif comp == "zstd":
            blob = zstd_compress(tar)
        elif comp == "raw":
            blob = tar
        elif comp in ("polyglot", "polyglot-zstd"):
            raw = list(layer.get("raw_entries", []))
            first = raw[0] if raw else {}
            if not (first.get("type") in ("pax", "global", "longname", "longlink") or "pax" in first
                    or "cap" in first or "xattrs" in first or first.get("format") == "pax"):
                # the first header's name is overwritten: make it one Go ignores
                raw.insert(0, {"type": "pax", "records": {"comment": "polyglot"}})
            hidden = layer_tar({"entries": raw, "end": layer.get("raw_end", 2)})
            blob = polyglot(hidden, tar) if comp == "polyglot" else zstd_polyglot(hidden, tar)
        else:
            raise SpecError("unknown compression %r" % comp)
    mt = layer.get("media_type", DEFAULT_MEDIA.get(comp, "tar+gzip"))
    mt = MEDIA.get(mt, mt)
    if "diff_id" in layer:
        d = layer["diff_id"]
        if d == "wrong":
            diff_id = "sha256:" + hashlib.sha256(b"wrong" + blob).hexdigest()
        elif d in ("raw", "blob"):
            diff_id = "sha256:" + hashlib.sha256(blob).hexdigest()
        elif d == "gunzip":
            diff_id = "sha256:" + hashlib.sha256(gzip.decompress(blob)).hexdigest()
        else:
            diff_id = d
    else:
        diff_id = "sha256:" + hashlib.sha256(runtime_view(blob, mt)).hexdigest()
    return blob, mt, diff_id


# ---------------------------------------------------------------- layouts

def descriptor(mt, blob, extra=None):
    d = {"mediaType": mt, "digest": "sha256:" + hashlib.sha256(blob).hexdigest(), "size": len(blob)}
    if extra:
        d.update(extra)
    return d


def indices(spec_text, n):
    s = spec_text.strip()
    if not s:
        return list(range(n))
    return [int(x) for x in s.split(",") if x.strip() != ""]


def substitute(text, table, lists):
    """Replace @NAME@ and @NAME[i,j]@ placeholders."""
    out = text
    for k, v in table.items():
        out = out.replace("@%s@" % k, v)
    def rep(m):
        key, sel = m.group(1), m.group(2)
        items = lists[key]
        return json.dumps([items[i] for i in indices(sel, len(items))])
    out = re.sub(r"@(LAYERS|DIFF_IDS)\[([0-9, ]*)\]@", rep, out)
    return out


def build_image(spec, out):
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    blobs = {}

    def add(blob):
        h = hashlib.sha256(blob).hexdigest()
        blobs[h] = blob
        return h

    layers = spec.get("layers", [])
    built = [build_layer(l) for l in layers]
    layer_descs = []
    diff_ids = []
    for (blob, mt, diff_id), l in zip(built, layers):
        add(blob)
        layer_descs.append(descriptor(mt, blob, l.get("descriptor_extra")))
        diff_ids.append(diff_id)
    for extra in spec.get("extra_blobs", []):
        add(bytes_of(extra))
    table = {
        "DIFF_IDS": json.dumps(diff_ids), "LAYERS": json.dumps(layer_descs),
    }
    for i, d in enumerate(diff_ids):
        table["DIFF_ID_%d" % i] = d
        table["LAYER_%d" % i] = json.dumps(layer_descs[i])
    lists = {"LAYERS": layer_descs, "DIFF_IDS": diff_ids}

    # the image config
    if "config_raw" in spec:
        cfg = substitute(spec["config_raw"], table, lists).encode("utf-8", "surrogateescape")
    else:
        img = {"architecture": "amd64", "os": "linux"}
        img["config"] = spec.get("config", {})
        img["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
        img.update(spec.get("image_extra", {}))
        cfg = json.dumps(img, indent=None, ensure_ascii=False).encode("utf-8", "surrogateescape")
    add(cfg)
    cfg_mt = spec.get("config_media_type", "application/vnd.oci.image.config.v1+json")
    cdesc = descriptor(cfg_mt, cfg)
    table["CONFIG"] = json.dumps(cdesc)
    table["CONFIG_DIGEST"] = cdesc["digest"]
    table["CONFIG_SIZE"] = str(cdesc["size"])

    man_mt = spec.get("manifest_media_type", "application/vnd.oci.image.manifest.v1+json")
    if "manifest_raw" in spec:
        man = substitute(spec["manifest_raw"], table, lists).encode("utf-8", "surrogateescape")
    else:
        m = {"schemaVersion": 2, "mediaType": man_mt, "config": cdesc, "layers": layer_descs}
        man = json.dumps(m).encode()
    add(man)
    mdesc = descriptor(man_mt, man, spec.get("index_descriptor_extra"))
    table["MANIFEST"] = json.dumps(mdesc)
    if "index_raw" in spec:
        idx = substitute(spec["index_raw"], table, lists).encode("utf-8", "surrogateescape")
    else:
        idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                          "manifests": [mdesc]}).encode()
    for h, b in blobs.items():
        with open(os.path.join(out, "blobs", "sha256", h), "wb") as f:
            f.write(b)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(out, "index.json"), "wb") as f:
        f.write(idx)


def resolve_refs(spec):
    """Multi-image specs: a layer {"same_as": [image, layer], ...overrides}
    is a copy of that layer spec with the overrides applied."""
    if "images" not in spec:
        return spec
    spec = copy.deepcopy(spec)
    for img in spec["images"]:
        for i, l in enumerate(img.get("layers", [])):
            if "same_as" in l:
                a, b = l["same_as"]
                base = copy.deepcopy(spec["images"][a]["layers"][b])
                if "same_as" in base:
                    raise SpecError("same_as may not chain")
                base.update({k: v for k, v in l.items() if k != "same_as"})
                img["layers"][i] = base
    return spec


def build(spec, out):
    spec = resolve_refs(spec)
    if os.path.exists(out):
        # only ever replace what this program made: a layout or a set of them
        kids = os.listdir(out)
        if kids and "oci-layout" not in kids and not all(k.isdigit() for k in kids):
            raise SpecError("%s exists and is not an image layout; not replacing it" % out)
        shutil.rmtree(out)
    if "images" in spec:
        dirs = []
        for i, img in enumerate(spec["images"]):
            d = os.path.join(out, str(i))
            build_image(img, d)
            dirs.append(d)
        return dirs
    build_image(spec, out)
    return [out]


# ---------------------------------------------------------------- random specs

def clean_path(name):
    """Go's filepath.Clean of a tar name, without the leading slash."""
    import posixpath
    return posixpath.normpath("/" + name).lstrip("/")


def layer_paths(entries):
    """Paths an applier touches for these entries (with their parents, and
    through symlinks made earlier in the same layer, which containerd
    follows), and the paths whited out (0/0 devices in the upper dir)."""
    import posixpath
    touched, whited, links = set(), set(), {}

    def resolve(p):
        for _ in range(8):
            parts = p.split("/")
            for i in range(len(parts) - 1, 0, -1):
                head = "/".join(parts[:i])
                if head in links:
                    p = clean_path(posixpath.join(links[head], *parts[i:]))
                    break
            else:
                return p
        return p

    for e in entries:
        t = e.get("type", "file")
        if t in ("pax", "raw", "zeros") or (t == "global" and "name" not in e):
            continue
        n = clean_path(e.get("name", ""))
        names = {n, resolve(n)}
        if t == "whiteout":
            whited.update(names)
        if t == "symlink":
            tgt = e.get("linkname", "")
            base = "" if tgt.startswith("/") else posixpath.dirname(n)
            links[n] = clean_path(posixpath.join(base, tgt))
        touched.update(names)
        for sub in e.get("body_records", []):
            touched.add(clean_path(sub.get("name", "")))
    for p in list(touched):
        parts = p.split("/")
        for i in range(1, len(parts)):
            touched.add("/".join(parts[:i]))
    return touched, whited


class Rand:
    """Draws a random image spec; mixes ordinary content with the tricks."""

    def __init__(self, seed):
        self.seed = seed
        self.r = random.Random("portcullis-difftest-%d" % seed)
        self.notes = []
        # Half the images get every trick; the other half only the ones a
        # careful reader takes in its stride (encodings, whiteouts, links,
        # odd passwd lines), so that they are mostly compared, not refused.
        self.tricky = self.r.random() < 0.5

    def p(self, prob):
        return self.r.random() < prob

    def pick(self, weighted):
        """weighted: list of (weight, value)"""
        total = sum(w for w, _ in weighted)
        x = self.r.random() * total
        for w, v in weighted:
            x -= w
            if x < 0:
                return v
        return weighted[-1][1]

    def note(self, s):
        if s not in self.notes:
            self.notes.append(s)

    # -- content
    def text(self, lo=0, hi=1500):
        n = self.pick([(5, 0), (30, self.r.randint(1, 64)), (40, self.r.randint(lo, hi)),
                       (8, self.r.choice([511, 512, 513, 1023, 1024, 1025])), (3, self.r.randint(4000, 20000))])
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 \n"
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def passwd(self):
        r = self.r
        crlf = self.p(0.1)
        lines = []
        if self.p(0.1):
            lines.append("# /etc/passwd")
        if not self.p(0.05):
            lines.append("root:x:0:0:root:/root:/bin/sh")
        uid = self.pick([(70, "1000"), (4, "0"), (4, "abc"), (3, " 1000"), (3, "+0"), (3, "4294967296"),
                         (2, "-1"), (2, "1000 "), (2, ""), (2, "00"), (2, "65534")])
        gid = self.pick([(80, "1000"), (5, "0"), (3, "abc"), (3, "4294967296"), (3, "")])
        name = "app"
        lead = self.pick([(85, ""), (6, " "), (4, "\t"), (3, "  ")])
        if uid != "1000" or gid != "1000" or lead:
            self.note("passwd-tricky-app")
        app = "%s%s:x:%s:%s::/home/app:/bin/sh" % (lead, name, uid, gid)
        if self.p(0.08):
            app = "%s:x:%s" % (name, uid)  # short line
        if self.p(0.08):
            lines.append("#app:x:0:0::/:/bin/sh")
        lines.append(app)
        if self.p(0.1):
            lines.append("app:x:%s:%s::/:/bin/sh" % (self.r.choice(["0", "1001"]), "0"))
            self.note("passwd-duplicate")
        if self.p(0.2):
            lines.append("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin")
        if self.p(0.1):
            lines.append("")
        if self.p(0.05):
            lines.append("toor:x:%s:0::/:/bin/sh" % r.choice(["0", "+0", "00"]))
        sep = "\r\n" if crlf else "\n"
        if crlf:
            self.note("passwd-crlf")
        s = sep.join(lines)
        if not self.p(0.1):
            s += sep
        return s

    def group(self):
        lines = ["root:x:0:"]
        gid = self.pick([(85, "1000"), (5, "0"), (4, "abc"), (3, " 1000"), (3, "4294967296")])
        lines.append("%s:x:%s:" % (self.pick([(90, "app"), (5, " app"), (5, "App")]), gid))
        if self.p(0.2):
            lines.append("wheel:x:10:app")
        if self.p(0.1):
            lines.append("app:x:0:")
        sep = "\r\n" if self.p(0.1) else "\n"
        return sep.join(lines) + sep

    def user(self):
        u = self.pick([
            (10, ""), (18, "app"), (10, "1000"), (8, "1000:1000"), (5, "app:app"), (3, "root"), (3, "0"),
            (2, "+0"), (2, "-0"), (2, "00000000000"), (2, "4294967296"), (1, "4294968296"), (1, "-1"),
            (3, "app:root"), (2, "0:0"), (2, ":0"), (2, "app:"), (1, ":"), (3, "nobody"), (2, "1000:abc"),
            (1, "a:b:c"), (1, " app"), (1, "APP"), (1, "app "), (3, "65534"), (2, "1000:0"), (1, "toor"),
            (1, "+1000"), (1, "0x0"), (1, "1e3"),
        ])
        if u in ("+0", "-0", "00000000000", "4294967296", "4294968296", "-1", ":0", "0x0", "+1000"):
            self.note("user-numeric-trick")
        return u

    # -- entry styles
    def style(self, e, kind):
        """Random encodings of one entry; the meaning stays the same."""
        fmt = self.pick([(70, "ustar"), (15, "gnu"), (6, "v7"), (9, "pax")])
        if fmt == "v7" and kind not in ("file", "dir", "symlink", "hardlink"):
            fmt = "ustar"
        if fmt != "ustar":
            e["format"] = fmt
        num = {}
        for f in ("uid", "gid", "size", "mode", "mtime"):
            s = self.pick([(88, None), (4, "base256"), (3, "space"), (3, "lead-space"), (2, "short")])
            if s and not (f == "mode" and s == "base256" and fmt == "v7"):
                num[f] = s
        if num:
            e["numeric"] = num
        if self.p(0.03):
            e["checksum"] = "signed"
        if fmt == "v7" and e.get("type", "file") == "file" and self.p(0.3):
            e["v7_regtype"] = "0"
        if self.p(0.04) and fmt in ("ustar", "gnu", "pax"):
            e["uname"] = self.r.choice(["root", "app", "nobody"])
            e["gname"] = self.r.choice(["root", "app", "wheel"])
        if self.p(0.03) and fmt in ("ustar", "pax"):
            # the real values in PAX records, decoys in the header fields
            e.setdefault("pax", {})
            if self.p(0.5):
                e["pax"]["uid"] = str(e.get("uid", 0))
                e["uid"] = self.r.choice([0, 1000, 4242])
            else:
                e["pax"]["gid"] = str(e.get("gid", 0))
                e["gid"] = self.r.choice([0, 1000, 4242])
            self.note("pax-id-override")
        return e

    def name(self, path, is_dir=False):
        pre = self.pick([(75, ""), (20, "./"), (5, "/")])
        n = pre + path
        if is_dir and self.p(0.6):
            n += self.pick([(95, "/"), (5, "/.")])
        if self.p(0.02):
            parts = path.split("/")
            if len(parts) > 1:
                n = pre + parts[0] + "/../" + path  # Clean() folds it back
                self.note("name-dotdot")
        if self.p(0.02):
            n = n.replace("/", "//", 1) if "/" in n.strip("/") else n
        return n

    def long_name_tricks(self, e, path):
        """Deliver the name through PAX, GNU L, both in some order, or
        behind extension headers that Go drops: a list of entries."""
        how = self.pick([(88, None), (3, "pax"), (2, "L"), (3, "both"), (2, "x-x"), (2 if self.tricky else 0, "x-g")])
        if how is None:
            return [e]
        decoy = "decoy-%d" % self.r.randint(0, 99999)
        if how == "pax":
            e.setdefault("pax", {})["path"] = e["name"]
            e["name_field"] = decoy
            self.note("pax-path")
        elif how == "L":
            e["longname"] = e["name"]
            e["name_field"] = decoy
            self.note("gnu-longname")
        elif how == "both":
            # Go: the GNU long name wins over the PAX path, in either order
            e.setdefault("pax", {})["path"] = "decoy2-%d" % self.r.randint(0, 99999)
            e["longname"] = e["name"]
            e["ext_order"] = self.r.choice([["x", "L"], ["L", "x"]])
            e["name_field"] = decoy
            self.note("pax-and-gnu-longname-" + "".join(e["ext_order"]))
        elif how == "x-x":
            # a second 'x' header replaces the first one's records whole
            e.setdefault("pax", {})["comment"] = "second pax header"
            self.note("pax-header-replaced-by-second")
            return [{"type": "pax", "records": {"path": decoy, "uid": "4242"}}, e]
        else:
            # a 'g' header between an 'x' and its entry: Go returns the 'g'
            # as an entry of its own and the 'x' records are gone
            self.note("pax-header-then-global")
            return [{"type": "pax", "records": {"path": decoy, "mode": "4755"}},
                    {"type": "global", "records": {"comment": "between"}}, e]
        return [e]

    # -- the image
    def spec(self):
        r = self.r
        nlayers = self.pick([(25, 1), (35, 2), (25, 3), (15, 4)])
        tree = {}  # path -> dict(kind=..., layer=i) for what is visible
        layers = []
        suid_files = []

        def add_parent_dirs(entries, path, layer):
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in tree:
                    entries.append(self.style({"type": "dir", "name": self.name(d, True), "mode": 0o755}, "dir"))
                    tree[d] = {"kind": "dir", "layer": layer}

        def file_entry(path, layer, body=None, mode=None, uid=0, gid=0):
            e = {"type": "file", "name": self.name(path), "body": body if body is not None else self.text()}
            e["mode"] = mode if mode is not None else self.pick([(70, 0o644), (20, 0o755), (4, 0o600),
                                                                 (2, 0o666), (2, 0o777), (2, 0o444)])
            if uid or gid:
                e["uid"], e["gid"] = uid, gid
            return e

        for li in range(nlayers):
            entries = []
            lspec = {"entries": entries}
            created = []  # regular files created in this layer (hardlink targets)
            if li == 0:
                base_dirs = ["bin", "etc", "usr", "usr/bin", "usr/lib", "var", "var/lib", "tmp", "home",
                             "home/app", "opt", "opt/app", "root", "dev", "srv"]
                for d in base_dirs:
                    mode = {"tmp": 0o1777, "root": 0o700}.get(d, 0o755)
                    if d == "srv" and self.p(0.2):
                        mode = 0o777
                        self.note("world-writable-dir")
                    entries.append(self.style({"type": "dir", "name": self.name(d, True), "mode": mode}, "dir"))
                    tree[d] = {"kind": "dir", "layer": li}
                entries.append(self.style(file_entry("etc/passwd", li, self.passwd(), 0o644), "file"))
                tree["etc/passwd"] = {"kind": "file", "layer": li}
                entries.append(self.style(file_entry("etc/group", li, self.group(), 0o644), "file"))
                tree["etc/group"] = {"kind": "file", "layer": li}
                entries.append(self.style(file_entry("bin/sh", li, "#!fake shell\n" + self.text(0, 300), 0o755), "file"))
                tree["bin/sh"] = {"kind": "file", "layer": li}
                created += ["etc/passwd", "etc/group", "bin/sh"]
                if self.p(0.5):
                    entries.append(self.style({"type": "symlink", "name": self.name("lib"), "linkname": "usr/lib"}, "symlink"))
                    tree["lib"] = {"kind": "symlink", "layer": li, "target": "usr/lib"}
                if self.p(0.5):
                    entries.append(self.style(file_entry("opt/app/run", li, "\x7fELF" + self.text(0, 400), 0o755, 1000, 1000), "file"))
                    tree["opt/app/run"] = {"kind": "file", "layer": li}
                    created.append("opt/app/run")
            nops = r.randint(2, 9)
            full = self.tricky  # else only the tricks every reader should take
            for _ in range(nops):
                op = self.pick([
                    (30, "newfile"), (8, "overwrite"), (6 if li else 0, "whiteout"), (3 if li else 0, "opaque"),
                    (5, "setuid"), (4, "cap"), (4, "device"), (6, "symlink"), (6, "hardlink"),
                    (3 if li and full else 0, "symlink-parent"), (2 if full else 0, "samelayer-symlink-parent"),
                    (3 if li and full else 0, "whiteout-then-dir"), (2, "dup"), (3, "passwd"),
                    (2 if full else 0, "global"), (2 if full else 0, "hardlink-body"), (2, "hardlink-own-mode"),
                    (1 if full else 0, "char00"), (1 if li and full else 0, "xattr-opaque"),
                    (1, "link-then-replace"), (2, "dir-replace"), (1 if li else 0, "root-whiteout"),
                    (1 if li == 0 and full else 0, "layer0-whiteout"),
                    (1, "pax-size"), (1 if li and full else 0, "etc-symlink"),
                ])
                self.op(op, li, entries, tree, created, add_parent_dirs, file_entry, suid_files)
            self.layer_encoding(lspec, li)
            layers.append(lspec)
        spec = {"name": "random-%d" % self.seed, "seed": self.seed, "layers": layers}
        self.config(spec)
        self.manifest_tricks(spec)
        spec["description"] = ("random image (%s); tricks: " % ("all tricks" if self.tricky else "mild tricks")
                               + (", ".join(self.notes) or "none"))
        return spec

    def fresh(self, tree, prefix):
        while True:
            base = "f%d" % self.r.randint(0, 9999)
            odd = self.pick([(94, None), (2, "café-"), (1, "with space "), (1, "new\nline"), (1, "tab\t"),
                             (1, "x" * 120 + "-")])
            if odd:
                base = odd + base
                self.note("odd-file-name")
            p = "%s/%s" % (prefix, base)
            if p not in tree:
                return p

    def dir_of(self, tree):
        dirs = [p for p, v in tree.items() if v["kind"] == "dir" and p not in ("dev", "tmp", "root")]
        return self.r.choice(dirs) if dirs else "opt"

    def op(self, op, li, entries, tree, created, add_parent_dirs, file_entry, suid_files):
        r = self.r
        files_now = sorted(p for p, v in tree.items() if v["kind"] == "file")
        touched, whited = layer_paths(entries)

        def conflict(p):
            return p in touched or any(t.startswith(p + "/") for t in touched)
        if op == "newfile":
            p = self.fresh(tree, self.dir_of(tree))
            add_parent_dirs(entries, p, li)
            e = file_entry(p, li, uid=self.pick([(85, 0), (10, 1000), (3, 2097152), (2, 4294967294)]))
            if e.get("uid", 0) > 2097151:
                self.note("large-uid")
            entries.extend(self.long_name_tricks(self.style(e, "file"), p))
            tree[p] = {"kind": "file", "layer": li, "mode": e["mode"]}
            created.append(p)
        elif op == "overwrite" and files_now:
            p = r.choice(files_now)
            e = file_entry(p, li, mode=self.pick([(60, 0o644), (20, 0o755), (10, 0o4755), (10, 0o2755)]))
            entries.append(self.style(e, "file"))
            tree[p] = {"kind": "file", "layer": li, "mode": e["mode"]}
            created.append(p)
        elif op == "whiteout":
            cands = [p for p, v in tree.items() if v["layer"] < li and p not in ("etc", "bin")]
            if not cands:
                return
            p = r.choice(sorted(cands))
            if conflict(p):
                return
            entries.append(self.style({"type": "whiteout", "name": self.name(p)}, "file"))
            for q in [q for q in tree if q == p or q.startswith(p + "/")]:
                del tree[q]
            self.note("whiteout")
        elif op == "opaque":
            cands = [p for p, v in tree.items() if v["kind"] == "dir" and v["layer"] < li
                     and p not in ("etc", "bin", "usr")]
            if not cands:
                return
            p = r.choice(sorted(cands))
            if any(q.startswith(p + "/") and tree[q]["layer"] == li for q in tree):
                return
            entries.append(self.style({"type": "opaque", "name": self.name(p)}, "file"))
            for q in [q for q in tree if q.startswith(p + "/")]:
                del tree[q]
            if self.p(0.5):
                np = self.fresh(tree, p)
                entries.append(self.style(file_entry(np, li), "file"))
                tree[np] = {"kind": "file", "layer": li}
                created.append(np)
            self.note("opaque")
        elif op == "setuid":
            p = self.fresh(tree, self.r.choice(["usr/bin", "bin", "opt/app"] if "opt/app" in tree else ["usr/bin", "bin"]))
            add_parent_dirs(entries, p, li)
            mode = self.pick([(60, 0o4755), (25, 0o2755), (10, 0o6755), (5, 0o4711)])
            e = file_entry(p, li, "\x7fELF setid\n", mode, 0, self.pick([(80, 0), (20, 5)]))
            entries.extend(self.long_name_tricks(self.style(e, "file"), p))
            tree[p] = {"kind": "file", "layer": li, "mode": e["mode"]}
            created.append(p)
            suid_files.append(p)
            self.note("setuid")
        elif op == "cap":
            p = self.fresh(tree, "usr/bin" if "usr/bin" in tree else "opt")
            add_parent_dirs(entries, p, li)
            e = file_entry(p, li, "\x7fELF cap\n", 0o755)
            cap = self.pick([(60, "cap_net_raw"), (20, ["cap_net_bind_service", "cap_net_admin"]),
                             (10, {"caps": ["cap_sys_admin"], "effective": False}), (5, ["cap_bpf", "cap_perfmon"]),
                             (2, {"caps": ["cap_net_raw"], "version": 3, "rootid": 0})])
            e["cap"] = cap
            entries.append(self.style(e, "file"))
            tree[p] = {"kind": "file", "layer": li, "mode": e["mode"]}
            created.append(p)
            self.note("capability")
        elif op == "device":
            if "dev" not in tree:
                return
            p = self.fresh(tree, "dev")
            kind = self.pick([(40, ("char", 1, 3)), (25, ("block", 8, 0)), (15, ("fifo", 0, 0)), (10, ("char", 10, 200)),
                              (10, ("block", 259, 4095))])
            e = {"type": kind[0], "name": self.name(p), "mode": self.pick([(60, 0o666), (30, 0o600), (10, 0o660)])}
            if kind[0] != "fifo":
                e["devmajor"], e["devminor"] = kind[1], kind[2]
            entries.append(self.style(e, kind[0]))
            tree[p] = {"kind": "device", "layer": li}
            self.note("device")
        elif op == "symlink":
            p = self.fresh(tree, self.dir_of(tree))
            add_parent_dirs(entries, p, li)
            target = self.pick([(30, "/bin/sh"), (20, "../etc/passwd"), (15, "sh"), (10, "/nonexistent"),
                                (10, "/etc"), (5, "../../../../etc/shadow"), (10, "x" * self.r.randint(90, 140))])
            e = {"type": "symlink", "name": self.name(p), "linkname": target}
            if self.p(0.1):
                e["uid"], e["gid"] = 1000, 1000
            entries.extend(self.long_name_tricks(self.style(e, "symlink"), p))
            tree[p] = {"kind": "symlink", "layer": li, "target": target}
        elif op in ("hardlink", "hardlink-own-mode", "hardlink-body"):
            # only to regular files of this layer: containerd links inside the
            # layer's own upper directory (and a link to a symlink would chmod
            # whatever the symlink points to, on the host)
            cands = [p for p in created if tree.get(p, {}).get("kind") == "file" and tree[p]["layer"] == li]
            if not cands:
                return
            target = r.choice(cands)
            p = self.fresh(tree, target.rpartition("/")[0] or "opt")
            add_parent_dirs(entries, p, li)
            e = {"type": "hardlink", "name": self.name(p), "linkname": self.pick([(80, target), (20, "./" + target)])}
            if op == "hardlink-own-mode":
                e["mode"] = self.pick([(50, 0o4755), (20, 0o2755), (30, 0o777)])
                e["uid"], e["gid"] = self.pick([(70, (0, 0)), (30, (1000, 1000))])
                if self.p(0.4):
                    e["cap"] = "cap_net_raw"
                self.note("hardlink-own-mode")
            else:
                e["mode"] = tree[target].get("mode", 0o644)
            if op == "hardlink-body":
                hidden = self.fresh(tree, "usr/bin" if "usr/bin" in tree else "opt")
                # readers that honour the size of a link read past this; Go
                # reads these headers as entries of their own
                e["body_records"] = [{"type": "file", "name": hidden, "mode": 0o4755, "uid": 0, "gid": 0,
                                      "format": self.r.choice(["ustar", "gnu"])}]
                e["format"] = "pax"
                tree[hidden] = {"kind": "file", "layer": li}
                if self.p(0.3):  # the size in a PAX record, the header says 0
                    e["pax"] = {"size": str(BLOCK)}
                    e["size"] = 0
                entries.append(e)
                self.note("hardlink-with-body")
            else:
                entries.append(self.style(e, "hardlink"))
            tree[p] = {"kind": "file", "layer": li, "mode": e["mode"]}
        elif op == "symlink-parent":
            # lower layer has D -> /etc (or a relative link); now a file
            # D/F: containerd makes D a directory in the upper layer
            sl = [p for p, v in tree.items() if v["kind"] == "symlink" and v["layer"] < li
                  and v.get("target") in ("/etc", "etc", "../etc", "usr/lib", "/bin")]
            if not sl:
                if li == 0:
                    return
                # make one in this layer for later layers and stop
                d = self.fresh(tree, self.dir_of(tree))
                add_parent_dirs(entries, d, li)
                t = self.r.choice(["/etc", "../etc", "/bin"])
                entries.append(self.style({"type": "symlink", "name": self.name(d), "linkname": t}, "symlink"))
                tree[d] = {"kind": "symlink", "layer": li, "target": t}
                return
            d = r.choice(sorted(sl))
            what = self.pick([(50, "file"), (20, "whiteout"), (15, "opaque"), (15, "setuid")])
            name = d + "/" + self.pick([(40, "passwd"), (60, "f%d" % r.randint(0, 99))])
            if conflict(name) or conflict(d):
                return
            if what == "whiteout":
                entries.append(self.style({"type": "whiteout", "name": self.name(name)}, "file"))
            elif what == "opaque":
                entries.append(self.style({"type": "opaque", "name": self.name(d)}, "file"))
            else:
                mode = 0o4755 if what == "setuid" else 0o644
                entries.append(self.style(file_entry(name, li, "via symlink parent\n", mode), "file"))
            tree.pop(d, None)  # what it becomes is what is tested
            self.note("symlink-parent")
        elif op == "samelayer-symlink-parent":
            d = self.fresh(tree, "opt" if "opt" in tree else self.dir_of(tree))
            add_parent_dirs(entries, d, li)
            t = self.r.choice(["/etc", "../etc", "/usr/bin", "../../../../usr/bin", "/var/lib"])
            tp = clean_path(t.replace("../", ""))
            if tree.get(tp, {}).get("kind") != "dir" or any(tp == w or tp.startswith(w + "/") for w in whited):
                return
            entries.append(self.style({"type": "symlink", "name": self.name(d), "linkname": t}, "symlink"))
            name = d + "/f%d" % r.randint(0, 99)
            entries.append(self.style(file_entry(name, li, "same-layer symlink parent\n",
                                                 self.pick([(60, 0o644), (40, 0o4755)])), "file"))
            tree[d] = {"kind": "symlink", "layer": li, "target": t}
            self.note("samelayer-symlink-parent")
        elif op == "whiteout-then-dir":
            cands = [p for p, v in tree.items() if v["kind"] == "dir" and v["layer"] < li
                     and p not in ("etc", "bin", "usr", "dev")]
            if not cands:
                return
            d = r.choice(sorted(cands))
            if conflict(d):
                return
            # a setuid file below it in a lower layer makes a miss visible;
            # it must be in the layer just below (it is, once we add it there)
            entries.append(self.style({"type": "whiteout", "name": self.name(d)}, "file"))
            entries.append(self.style({"type": "dir", "name": self.name(d, True), "mode": 0o755}, "dir"))
            if self.p(0.7):
                nf = d + "/new%d" % r.randint(0, 99)
                entries.append(self.style(file_entry(nf, li), "file"))
            for q in [q for q in tree if q.startswith(d + "/")]:
                del tree[q]
            tree[d] = {"kind": "dir", "layer": li}
            self.note("whiteout-then-dir")
        elif op == "dup":
            if not entries:
                return
            cands = [e for e in entries if e.get("type") in ("file", "dir") and "body_records" not in e]
            if not cands:
                return
            e = copy.deepcopy(r.choice(cands))
            if e["type"] == "file":
                e["body"] = self.passwd() if clean_path(e["name"]) == "etc/passwd" else self.text(0, 200)
                e["mode"] = self.pick([(50, 0o755), (30, 0o4755), (20, 0o600)])
            else:
                e["mode"] = self.pick([(50, 0o700), (30, 0o777), (20, 0o1777)])
                e["uid"] = self.pick([(50, 0), (50, 1000)])
            entries.append(e)
            self.note("duplicate-entry")
        elif op == "passwd":
            how = self.pick([(60, "replace"), (15, "symlink"), (15 if li else 0, "whiteout"), (10, "etc-dir-mode")])
            if how == "replace":
                entries.append(self.style(file_entry("etc/passwd", li, self.passwd(), 0o644), "file"))
                tree["etc/passwd"] = {"kind": "file", "layer": li}
                created.append("etc/passwd")
            elif how == "symlink":
                alt = self.fresh(tree, "opt")
                add_parent_dirs(entries, alt, li)
                entries.append(self.style(file_entry(alt, li, self.passwd(), 0o644), "file"))
                entries.append(self.style({"type": "symlink", "name": self.name("etc/passwd"),
                                           "linkname": self.r.choice(["/" + alt, "../" + alt])}, "symlink"))
                tree[alt] = {"kind": "file", "layer": li}
                tree["etc/passwd"] = {"kind": "symlink", "layer": li, "target": alt}
                self.note("passwd-symlink")
            elif how == "whiteout" and tree.get("etc/passwd", {}).get("layer", li) < li:
                entries.append(self.style({"type": "whiteout", "name": self.name("etc/passwd")}, "file"))
                del tree["etc/passwd"]
                self.note("passwd-whiteout")
            elif how == "etc-dir-mode":
                entries.append(self.style({"type": "dir", "name": self.name("etc", True), "mode": 0o777}, "dir"))
        elif op == "global":
            g = {"type": "global", "records": {"comment": "portcullis difftest"}}
            which = self.pick([(60, "plain"), (20, "path-existing"), (20, "records")])
            if which == "path-existing":
                # Go hands a 'g' header to containerd as an entry of its own:
                # its name is cleaned, parents made, an existing path replaced
                # (a 'g' header carries its name in the USTAR fields only)
                cands = [p for p in created if tree.get(p, {}).get("layer") == li
                         and split_ustar(p.encode()) is not None]
                if cands:
                    g["name"] = r.choice(cands)
                    del tree[g["name"]]
                    created.remove(g["name"])
                    self.note("global-header-named-like-a-file")
            elif which == "records":
                g["records"] = {"uid": "0", "mtime": "1"}
                self.note("global-header-records")
            entries.append(g)
        elif op == "char00":
            # a 0/0 character device is what overlayfs takes for a whiteout
            cands = [p for p, v in tree.items() if v["layer"] < li and v["kind"] == "file"]
            if li and cands and self.p(0.7):
                p = r.choice(sorted(cands))
                if conflict(p):
                    return
            else:
                p = self.fresh(tree, "dev" if "dev" in tree else "opt")
            add_parent_dirs(entries, p, li)
            entries.append(self.style({"type": "char", "name": self.name(p), "devmajor": 0, "devminor": 0,
                                       "mode": 0o644}, "char"))
            tree[p] = {"kind": "device", "layer": li}
            self.note("char-0-0")
        elif op == "xattr-opaque":
            cands = [p for p, v in tree.items() if v["kind"] == "dir" and v["layer"] < li
                     and p not in ("etc", "bin", "usr")]
            if not cands:
                return
            d = r.choice(sorted(cands))
            if any(q.startswith(d + "/") and tree[q]["layer"] == li for q in tree):
                return
            entries.append({"type": "dir", "name": self.name(d, True), "mode": 0o755, "format": "pax",
                            "xattrs": {"trusted.overlay.opaque": "y"}})
            for q in [q for q in tree if q.startswith(d + "/")]:
                del tree[q]
            tree[d] = {"kind": "dir", "layer": li}
            self.note("xattr-trusted-overlay-opaque")
        elif op == "link-then-replace":
            cands = [p for p in created if tree.get(p, {}).get("kind") == "file" and tree[p]["layer"] == li]
            if not cands:
                return
            t = r.choice(cands)
            p = self.fresh(tree, t.rpartition("/")[0] or "opt")
            entries.append(self.style({"type": "hardlink", "name": self.name(p), "linkname": t,
                                       "mode": tree[t].get("mode", 0o644)}, "hardlink"))
            entries.append(self.style(file_entry(t, li, "replaced\n", 0o755), "file"))
            tree[p] = {"kind": "file", "layer": li}
            self.note("hardlink-then-replace-target")
        elif op == "dir-replace":
            cands = [p for p, v in tree.items() if v["kind"] == "file" and v["layer"] <= li
                     and not p.startswith("etc/")]
            if not cands:
                return
            p = r.choice(sorted(cands))
            if tree[p]["layer"] == li:
                return
            entries.append(self.style({"type": "dir", "name": self.name(p, True), "mode": 0o755}, "dir"))
            nf = p + "/inner"
            entries.append(self.style(file_entry(nf, li), "file"))
            tree[p] = {"kind": "dir", "layer": li}
            tree[nf] = {"kind": "file", "layer": li}
            created.append(nf)
            self.note("file-replaced-by-dir")
        elif op == "root-whiteout":
            cands = [p for p, v in tree.items() if "/" not in p and v["layer"] < li
                     and p not in ("etc", "bin", "usr", "dev", "tmp")]
            if not cands:
                return
            p = r.choice(sorted(cands))
            if conflict(p):
                return
            entries.append(self.style({"type": "whiteout", "name": self.pick([(50, p), (50, "./" + p)])}, "file"))
            for q in [q for q in tree if q == p or q.startswith(p + "/")]:
                del tree[q]
            self.note("root-whiteout")
        elif op == "pax-size":
            # the header's size is a decoy; the PAX size record is the real one
            p = self.fresh(tree, self.dir_of(tree))
            add_parent_dirs(entries, p, li)
            body = self.text(1, 900)
            e = file_entry(p, li, body, self.pick([(70, 0o644), (30, 0o4755)]))
            e["pax"] = {"size": str(len(body.encode()))}
            e["size"] = self.pick([(50, 0), (50, len(body.encode()) + 1000)])
            entries.append(e)
            tree[p] = {"kind": "file", "layer": li, "mode": e["mode"]}
            created.append(p)
            self.note("pax-size-record")
        elif op == "etc-symlink":
            # /etc replaced by a symlink to a directory holding other
            # passwd/group files; containerd follows it for USER lookups
            if conflict("etc") or tree.get("etc", {}).get("kind") != "dir":
                return
            d = self.fresh(tree, "opt" if tree.get("opt", {}).get("kind") == "dir" else "srv")
            add_parent_dirs(entries, d + "/x", li)
            entries.append(self.style({"type": "dir", "name": self.name(d, True), "mode": 0o755}, "dir"))
            entries.append(self.style(file_entry(d + "/passwd", li, self.passwd(), 0o644), "file"))
            entries.append(self.style(file_entry(d + "/group", li, self.group(), 0o644), "file"))
            entries.append(self.style({"type": "symlink", "name": self.name("etc"),
                                       "linkname": self.r.choice(["/" + d, "../" + d, d])}, "symlink"))
            for q in [q for q in tree if q == "etc" or q.startswith("etc/")]:
                del tree[q]
            tree["etc"] = {"kind": "symlink", "layer": li, "target": d}
            self.note("etc-symlink")
        elif op == "layer0-whiteout":
            # in the bottom layer whiteouts are applied naively (removal)
            cands = [p for p in created if tree.get(p, {}).get("layer") == 0 and p.count("/") >= 1
                     and p not in ("etc/passwd", "etc/group", "bin/sh")]
            if not cands:
                return
            p = r.choice(cands)
            entries.append(self.style({"type": "whiteout", "name": self.name(p)}, "file"))
            del tree[p]
            created.remove(p)
            self.note("layer0-whiteout")

    def layer_encoding(self, lspec, li):
        comp = self.pick([(65, "gzip"), (15, "raw"), (20 if have_zstd() else 0, "zstd")])
        lspec["compression"] = comp
        mt = {"gzip": "tar+gzip", "raw": "tar", "zstd": "tar+zstd"}[comp]
        x = self.r.random()
        if comp == "zstd" and x < 0.15:
            mt = "tar+gzip"
            self.note("zstd-declared-gzip")
        elif comp == "raw" and x < 0.15:
            mt = self.r.choice(["tar+gzip", "docker-gzip"])
            self.note("raw-declared-compressed")
        elif comp == "gzip" and x < 0.05:
            mt = "docker-gzip"
        elif comp == "gzip" and x < 0.07:
            mt = "docker-tar"  # containerd sniffs the Docker types
            self.note("gzip-declared-docker-tar")
        elif comp == "gzip" and x < 0.085:
            mt = "tar"  # the runtime reads gzip bytes as a tar: refused
            self.note("gzip-declared-uncompressed")
        elif comp == "raw" and x < 0.2:
            mt = "docker-tar"
        if mt != DEFAULT_MEDIA[comp]:
            lspec["media_type"] = mt
        if comp == "gzip" and self.p(0.05):
            lspec["gzip_members"] = 2
            self.note("gzip-multi-member")
        e = self.pick([(85, 2), (5, 1), (5, 0), (5, 4)])
        if e != 2:
            lspec["end"] = e
            self.note("tar-end-%d-zero-blocks" % e)
        if self.p(0.05):
            lspec["record_size"] = 10240
        if self.p(0.03) and e >= 2:
            lspec["trailing"] = self.r.choice(["garbage after the end\n", {"hex": "00" * 700}])
            self.note("trailing-bytes")
        if self.p(0.01):
            lspec["diff_id"] = "wrong"
            self.note("wrong-diff-id")

    def config(self, spec):
        c = {}
        user = self.user()
        if user or self.p(0.5):
            c["User"] = user
        ep = self.pick([(60, ["/opt/app/run"]), (15, None), (10, ["/bin/sh", "-c", "exec run"]), (10, []),
                        (5, ["/nonexistent"])])
        if ep is not None:
            c["Entrypoint"] = ep
        if self.p(0.5):
            c["Cmd"] = self.pick([(60, ["--serve"]), (20, ["/bin/sh"]), (20, [])])
        if self.p(0.5):
            c["WorkingDir"] = self.pick([(50, "/opt/app"), (20, "/"), (15, "/tmp"), (15, "relative/dir")])
        env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        if self.p(0.2):
            env.append("DB_PASSWORD=hunter2")
        if self.p(0.1):
            env += ["A=1", "A=2"]
        if self.p(0.05):
            env.append("NOEQUALS")
        c["Env"] = env
        if self.p(0.4):
            c["ExposedPorts"] = {p: {} for p in self.r.sample(["80/tcp", "8080/tcp", "443", "53/udp", "22/tcp"],
                                                             self.r.randint(1, 3))}
        spec["config"] = c
        # JSON tricks: the same key twice, case variants, Go's fold variants
        t = self.pick([(85, None), (4, "dup"), (4, "case"), (2, "fold"), (2, "config-case"), (2, "null")])
        if not self.tricky and t != "null":
            t = None
        if t is None:
            return
        inner = json.dumps(c, ensure_ascii=False)[1:-1]
        alt = self.pick([(40, "0"), (30, "app"), (30, "1000")])
        if t == "dup":
            ck = '"User": %s, ' % json.dumps(alt) + inner if self.p(0.5) else inner + ', "User": %s' % json.dumps(alt)
            self.note("config-duplicate-key")
        elif t == "case":
            key = self.r.choice(["user", "USER", "uSER"])
            ck = ('"%s": %s, ' % (key, json.dumps(alt)) + inner) if self.p(0.5) else inner + ', "%s": %s' % (key, json.dumps(alt))
            self.note("config-case-variant-key")
        elif t == "fold":
            key = self.r.choice(["Uſer", "uſer"])  # U+017F LATIN SMALL LETTER LONG S folds to s in Go
            ck = inner + ', "%s": %s' % (key, json.dumps(alt))
            self.note("config-fold-variant-key")
        elif t == "null":
            ck = inner + ', "Entrypoint": null' if "Entrypoint" in c else inner + ', "Cmd": null'
            self.note("config-null")
        else:  # "config" and "Config" both
            ck = inner
        top = '"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": @DIFF_IDS@}'
        if t == "config-case":
            other = json.dumps({"User": alt, "WorkingDir": "/"})
            if self.p(0.5):
                spec["config_raw"] = '{%s, "config": {%s}, "Config": %s}' % (top, ck, other)
            else:
                spec["config_raw"] = '{%s, "Config": %s, "config": {%s}}' % (top, other, ck)
            self.note("config-object-case-variant")
        else:
            spec["config_raw"] = '{%s, "config": {%s}}' % (top, ck)
        del spec["config"]

    def manifest_tricks(self, spec):
        t = self.pick([(92, None), (4, "layers-case"), (2, "mediatype-docker"), (2, "layers-fold")])
        if not self.tricky and t != "mediatype-docker":
            t = None
        if t is None:
            return
        n = len(spec["layers"])
        if t == "mediatype-docker":
            spec["manifest_media_type"] = "application/vnd.docker.distribution.manifest.v2+json"
            spec["config_media_type"] = "application/vnd.docker.container.image.v1+json"
            self.note("docker-media-types")
            return
        # a second layer list that differs from the first only by case: Go
        # decodes both into the same field, the last one wins
        key = "Layers" if t == "layers-case" else "layerſ"
        sub = ",".join(str(i) for i in range(n - 1)) if n > 1 else "0"
        first, second = ("layers", key) if self.p(0.5) else (key, "layers")
        spec["manifest_raw"] = ('{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", '
                                '"config": @CONFIG@, "%s": @LAYERS[%s]@, "%s": @LAYERS@}' % (first, sub, second))
        if n == 1:
            spec["manifest_raw"] = spec["manifest_raw"].replace("@LAYERS[0]@", "[]")
        self.note("manifest-layers-%s" % t)


def random_spec(seed):
    return Rand(seed).spec()


# ---------------------------------------------------------------- main

def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="gen.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    a = sub.add_parser("random")
    a.add_argument("--seed", type=int, required=True)
    a.add_argument("--out")
    a.add_argument("--dump-spec")
    b = sub.add_parser("case")
    b.add_argument("spec")
    b.add_argument("--out", required=True)
    args = ap.parse_args(argv[1:])
    try:
        if args.mode == "random":
            spec = random_spec(args.seed)
            if args.dump_spec:
                text = json.dumps(spec, indent=1, ensure_ascii=False) + "\n"
                if args.dump_spec == "-":
                    sys.stdout.write(text)
                else:
                    with open(args.dump_spec, "w", encoding="utf-8", errors="surrogateescape") as f:
                        f.write(text)
            if not args.out:
                return 0
        else:
            with open(args.spec, encoding="utf-8", errors="surrogateescape") as f:
                spec = json.load(f)
        for d in build(spec, args.out):
            print(d)
        return 0
    except SpecError as e:
        print("gen.py: bad spec: %s" % e, file=sys.stderr)
        return 1
    except CannotBuild as e:
        print("gen.py: cannot build here: %s" % e, file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))

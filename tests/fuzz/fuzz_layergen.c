/*
 * fuzz_layergen.c — structure-aware libFuzzer target for layers. The
 * input is not a tar: it is a recipe that a generator turns into 1–3
 * valid layer blobs, so the fuzzer spends its time in the layer reader,
 * the applier and the checks instead of failing at a gzip header or a tar
 * checksum.
 *
 * Each entry of a layer is drawn from the input: its type (file,
 * directory, symlink, hardlink, devices, FIFO, whiteout, opaque marker,
 * PAX global header, contiguous file, any other type byte), its name
 * (components from a small vocabulary that makes layers collide: etc,
 * passwd, bin, sh, .., .wh.*, or bytes of the input; absolute, ./, a
 * trailing slash), how the name is stored (the name field, a USTAR prefix
 * split, a GNU 'L' long name, a PAX path record, or both 'L' and PAX with
 * different values), the link target and how it is stored (field, 'K',
 * PAX linkpath), mode, owner (octal, base-256, PAX uid/gid), devices,
 * PAX records (security.capability of every revision, user xattrs, the
 * overlay xattrs that are refused, times), the header format (USTAR,
 * GNU, V7, STAR), signed or unsigned checksum, and for header-only types
 * a size that claims the next entries as their "body" (Go reads those as
 * headers; a hardlink with a body). File bodies are an ELF head with a
 * PT_INTERP, a script, passwd/group lines or input bytes. The archive
 * ends with two, one or no zero blocks, optionally followed by bytes.
 *
 * Each layer is then stored raw, gzip'd or zstd'd under a media type that
 * may or may not name its compression, hashed, walked with pc_layer_walk
 * and applied with pc_fsview_apply over the layers before it. The view is
 * checked against the facts cache round trip (fuzz_view.h), every check
 * runs over it with the restricted policy and a config whose USER comes
 * from the input, and the inspect JSON is built.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include "../unit/memstream.h"
#include "fsview.h"
#include "fuzz.h"
#include "fuzz_view.h"
#include "imgconfig.h"
#include "layer.h"
#include "policy.h"
#include "sha256.h"

#define MAX_LAYERS 3
#define MAX_ENTRIES 24
#define MAX_NAMES 64
#define NAME_MAX_GEN 400

/* ---- a growable byte buffer ---- */

typedef struct gbuf {
    unsigned char *p;
    size_t n, cap;
    int oom;
} gbuf;

static void gb_add(gbuf *b, const void *s, size_t n)
{
    if (b->oom || !n)
        return;
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->n + n)
            c *= 2;
        unsigned char *q = realloc(b->p, c);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void gb_zero(gbuf *b, size_t n)
{
    static const unsigned char z[512];
    while (n) {
        size_t k = n > sizeof z ? sizeof z : n;
        gb_add(b, z, k);
        n -= k;
    }
}

/* ---- names ---- */

/* Most choices make a layer the runtime takes; what it refuses (names
 * above the root, a malformed whiteout, owner -1, overlay xattrs, unknown
 * types, a bad checksum) is drawn rarely, so that most layers of a recipe
 * walk and the later layers are reached. */
static const char *const comps[] = {
    "etc",   "passwd",  "group",        "bin", "sh",   "usr",  "lib",  "ld-linux-x86-64.so.2",
    "sbin",  "su",      "tmp",          "a",   "b",    "x",    ".",    "",
    ".wh.a", ".wh.etc", ".wh..wh..opq", "app", "root", "app",  "x",    ".wh.passwd",
    "lib64", "local",   "dev",          "mem", "proc", "home", "bash", ".wh.bin",
};
#define NCOMPS (sizeof comps / sizeof comps[0])
static const char *const rare_comps[] = {"..", ".wh.", ".wh..", "..."};

typedef struct gen {
    fz f;
    char names[MAX_NAMES][NAME_MAX_GEN];
    size_t nnames;
} gen;

/* 1 about once in 64 draws (never once the input is used up: then every
 * draw is 0, the common choice). */
static int rare(gen *g)
{
    return fz_pick(&g->f, 64) == 63;
}

static void remember(gen *g, const char *name)
{
    if (*name)
        snprintf(g->names[g->nnames++ % MAX_NAMES], NAME_MAX_GEN, "%s", name);
}

static void gen_name(gen *g, char *out, size_t cap, int dir)
{
    size_t w = 0;
    unsigned how = fz_pick(&g->f, 16);
    out[0] = 0;
    if (how < 4 && g->nnames) { /* a name seen before (this layer or a lower one) */
        const char *old = g->names[fz_u8(&g->f) % (g->nnames < MAX_NAMES ? g->nnames : MAX_NAMES)];
        snprintf(out, cap, "%s", old);
        if (how == 0) { /* something below it */
            w = strlen(out);
            snprintf(out + w, cap - w, "/%s", comps[fz_pick(&g->f, NCOMPS)]);
        } else if (how == 1) { /* its parent */
            char *s = strrchr(out, '/');
            if (s && s != out)
                *s = 0;
        }
        return;
    }
    static const char *const lead[] = {"", "", "", "/", "/", "./", "./", "//"};
    w = (size_t)snprintf(out, cap, "%s", rare(g) ? "../" : lead[fz_pick(&g->f, 8)]);
    unsigned depth = 1 + fz_pick(&g->f, 4);
    for (unsigned i = 0; i < depth && w + 1 < cap; i++) {
        if (i)
            out[w++] = '/';
        unsigned c = fz_pick(&g->f, 40);
        const char *s;
        char tmp[NAME_MAX_GEN];
        if (c < NCOMPS) {
            s = c == 0 && rare(g) ? rare_comps[fz_pick(&g->f, 4)] : comps[c];
        } else if (c < NCOMPS + 4) { /* input bytes */
            size_t n;
            const uint8_t *p = fz_bytes(&g->f, fz_pick(&g->f, 24), &n);
            size_t k = 0;
            for (size_t j = 0; j < n; j++)
                if (p[j] && p[j] != '/')
                    tmp[k++] = (char)p[j];
            tmp[k] = 0;
            s = tmp;
        } else { /* a long component: needs a long-name header */
            size_t n = 60 + fz_pick(&g->f, 120);
            memset(tmp, 'l', n);
            tmp[n] = 0;
            s = tmp;
        }
        w += (size_t)snprintf(out + w, cap - w, "%s", s);
        if (w >= cap)
            w = cap - 1;
    }
    if (dir && w + 1 < cap && fz_pick(&g->f, 2)) {
        out[w++] = '/';
        out[w] = 0;
    }
}

/* ---- numbers and headers ---- */

static void put_octal(unsigned char *f, size_t w, uint64_t v)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%0*llo", (int)(w - 1), (unsigned long long)v);
    if (strlen(tmp) < w) {
        memcpy(f, tmp, w - 1);
        f[w - 1] = 0;
        return;
    }
    /* base-256, big-endian, high bit set */
    memset(f, 0, w);
    for (size_t i = 0; i < w - 1 && v; i++, v >>= 8)
        f[w - 1 - i] = (unsigned char)v;
    f[0] |= 0x80;
}

static void put_b256(unsigned char *f, size_t w, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (size_t i = 0; i < w; i++, u >>= 8)
        f[w - 1 - i] = (unsigned char)u;
    f[0] = (unsigned char)(v < 0 ? 0xff : 0x80);
}

enum { FMT_USTAR, FMT_GNU, FMT_V7, FMT_STAR };

static void finish_header(unsigned char *b, int fmt, int signed_sum, int bad_sum)
{
    if (fmt == FMT_USTAR || fmt == FMT_STAR) {
        memcpy(b + 257,
               "ustar\0"
               "00",
               8);
        if (fmt == FMT_STAR)
            memcpy(b + 508, "tar\0", 4);
    } else if (fmt == FMT_GNU) {
        memcpy(b + 257, "ustar  \0", 8);
    }
    memset(b + 148, ' ', 8);
    int64_t u = 0, s = 0;
    for (int i = 0; i < 512; i++) {
        u += b[i];
        s += (signed char)b[i];
    }
    int64_t sum = signed_sum && s >= 0 ? s : u;
    if (bad_sum)
        sum ^= 1 + bad_sum;
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%06llo", (unsigned long long)sum & 0777777);
    memcpy(b + 148, tmp, 6);
    b[154] = 0;
    b[155] = ' ';
}

/* A header of typeflag t whose body is body[0..n) (n also the size field). */
static void special(gbuf *out, int t, const char *name, const void *body, size_t n, int fmt)
{
    unsigned char b[512] = {0};
    snprintf((char *)b, 100, "%s", name);
    put_octal(b + 100, 8, 0644);
    put_octal(b + 108, 8, 0);
    put_octal(b + 116, 8, 0);
    put_octal(b + 124, 12, n);
    put_octal(b + 136, 12, 1700000000);
    b[156] = (unsigned char)t;
    finish_header(b, fmt, 0, 0);
    gb_add(out, b, 512);
    gb_add(out, body, n);
    gb_zero(out, (512 - n % 512) % 512);
}

typedef struct rec {
    char key[64];
    unsigned char val[512];
    size_t vlen;
} rec;

static void pax_add(gbuf *b, const char *key, const void *val, size_t vlen)
{
    size_t body = 1 + strlen(key) + 1 + vlen + 1, len = body + 1;
    char num[24];
    for (;;) { /* the length counts its own digits */
        int d = snprintf(num, sizeof num, "%zu", len);
        if (body + (size_t)d == len)
            break;
        len = body + (size_t)d;
    }
    gb_add(b, num, strlen(num));
    gb_add(b, " ", 1);
    gb_add(b, key, strlen(key));
    gb_add(b, "=", 1);
    gb_add(b, val, vlen);
    gb_add(b, "\n", 1);
}

/* ---- one entry ---- */

typedef struct gent {
    int type;
    char name[NAME_MAX_GEN], decoy[NAME_MAX_GEN], link[NAME_MAX_GEN];
    unsigned name_how, link_how, id_how, fmt, lie;
    int signed_sum, bad_sum, size_in_pax;
    uint32_t mode;
    int64_t uid, gid;
    uint32_t maj, min;
    rec recs[4];
    size_t nrecs;
    unsigned char body[1024];
    size_t bodylen;
} gent;

static size_t body_elf(gen *g, unsigned char *p)
{
    static const char *const interps[] = {"/lib64/ld-linux-x86-64.so.2", "/lib/ld-musl-x86_64.so.1",
                                          "/bin/sh", ""};
    static const uint16_t machines[] = {62, 183, 3, 40, 0xffff};
    const char *in = interps[fz_pick(&g->f, 4)];
    size_t il = strlen(in) + 1;
    int cls64 = fz_pick(&g->f, 4) != 0;
    memset(p, 0, 200);
    memcpy(p,
           "\x7f"
           "ELF",
           4);
    p[4] = cls64 ? 2 : 1;
    p[5] = fz_pick(&g->f, 8) ? 1 : 2;
    p[6] = 1;
    uint16_t m = machines[fz_pick(&g->f, 5)];
    int be = p[5] == 2;
    p[be ? 19 : 18] = (unsigned char)m, p[be ? 18 : 19] = (unsigned char)(m >> 8);
    size_t eh = cls64 ? 64 : 52, ph = cls64 ? 56 : 32, off = eh + ph;
    if (cls64) {
        p[be ? 39 : 32] = (unsigned char)eh;                      /* e_phoff */
        p[be ? 55 : 54] = (unsigned char)ph;                      /* e_phentsize */
        p[be ? 57 : 56] = (unsigned char)(1 + fz_pick(&g->f, 2)); /* e_phnum */
        p[be ? eh + 3 : eh] = 3;                                  /* PT_INTERP */
        p[be ? eh + 15 : eh + 8] = (unsigned char)off;            /* p_offset */
        p[be ? eh + 39 : eh + 32] = (unsigned char)il;            /* p_filesz */
    } else {
        p[be ? 31 : 28] = (unsigned char)eh;
        p[be ? 43 : 42] = (unsigned char)ph;
        p[be ? 45 : 44] = (unsigned char)(1 + fz_pick(&g->f, 2));
        p[be ? eh + 3 : eh] = 3;
        p[be ? eh + 7 : eh + 4] = (unsigned char)off;
        p[be ? eh + 19 : eh + 16] = (unsigned char)il;
    }
    memcpy(p + off, in, il);
    size_t n = off + il;
    if (fz_pick(&g->f, 4) == 0) /* a damaged field */
        p[fz_u8(&g->f) % n] = (unsigned char)fz_u8(&g->f);
    return n;
}

static size_t body_idfile(gen *g, unsigned char *p, size_t cap)
{
    static const char *const lines[] = {"root:x:0:0:root:/root:/bin/sh\n",
                                        "app:x:1000:1000::/home/app:/bin/sh\n",
                                        "nobody:x:65534:65534::/:/sbin/nologin\n",
                                        "app:x:0:0::/:/bin/sh\n",
                                        "  app:x:1000:1000::/:\n",
                                        "#app:x:0:0::/:\n",
                                        "app:x:+0:-0::/:\n",
                                        "\n",
                                        "app:x:4294967296:0::/:\n",
                                        "root:x:0:\n",
                                        "app:x:1000:app,root\n",
                                        "wheel:x:10:app\n",
                                        "app:x:1000x:1000::/:\r\n",
                                        "\302\240app:x:0:0::/:\n",
                                        "app\n",
                                        "::::\n"};
    size_t n = 0, k = 1 + fz_pick(&g->f, 5);
    for (size_t i = 0; i < k; i++) {
        const char *l = lines[fz_pick(&g->f, sizeof lines / sizeof lines[0])];
        size_t ll = strlen(l);
        if (n + ll > cap)
            break;
        memcpy(p + n, l, ll);
        n += ll;
    }
    return n;
}

static size_t cap_blob(gen *g, unsigned char *v)
{
    static const size_t sizes[] = {20, 24, 12, 20, 7};
    size_t n = sizes[fz_pick(&g->f, 5)];
    uint32_t rev = n == 12 ? 0x01000000u : n == 24 ? 0x03000000u : 0x02000000u;
    uint32_t magic = rev | (fz_pick(&g->f, 2) ? 1u : 0u);
    uint32_t perm = fz_pick(&g->f, 2) ? (1u << (fz_u8(&g->f) % 32)) : fz_u32(&g->f);
    memset(v, 0, 24);
    for (int i = 0; i < 4; i++) {
        v[i] = (unsigned char)(magic >> (8 * i));
        v[4 + i] = (unsigned char)(perm >> (8 * i));
    }
    if (n >= 20 && fz_pick(&g->f, 4) == 0)
        v[12] = (unsigned char)fz_u8(&g->f); /* upper capability bits */
    if (n == 24)
        v[20] = (unsigned char)fz_u8(&g->f); /* rootid */
    return n;
}

static void add_rec(gent *e, const char *key, const void *val, size_t vlen)
{
    if (e->nrecs < 4 && vlen <= sizeof e->recs[0].val) {
        rec *r = &e->recs[e->nrecs++];
        snprintf(r->key, sizeof r->key, "%s", key);
        memcpy(r->val, val, vlen);
        r->vlen = vlen;
    }
}

static void gen_entry(gen *g, gent *e)
{
    static const int types[] = {'0', '0', '0', '0', '0', '0', '0', '0', '5', '5', '5',
                                '5', '2', '2', '2', '2', '1', '1', '1', '1', 'W', 'W',
                                'O', '3', '4', '6', 'g', 0,   '0', '0', '0', '5'};
    static const uint32_t modes[] = {0644, 0755, 04755, 02755, 06755, 0777, 01777, 0600, 0, 0700};
    static const int64_t ids[] = {0, 0, 0, 1000, 1000, 65534, 100000, 33};
    static const int64_t rare_ids[] = {4294967295LL, -1, 4294967296LL, 1LL << 40};
    memset(e, 0, sizeof *e);
    int t = rare(g) ? (fz_pick(&g->f, 2) ? '7' : 'X') : types[fz_pick(&g->f, 32)];
    int dir = t == '5';
    gen_name(g, e->name, sizeof e->name, dir);
    if (t == 'W' || t == 'O') { /* whiteouts are names, whatever the type */
        char *s = strrchr(e->name, '/');
        size_t at = s ? (size_t)(s - e->name) + 1 : 0;
        char base[NAME_MAX_GEN];
        snprintf(base, sizeof base, "%s", e->name + at);
        snprintf(e->name + at, sizeof e->name - at, "%s%s", t == 'O' ? ".wh..wh..opq" : ".wh.",
                 t == 'O' ? "" : base);
        t = fz_pick(&g->f, 4) ? '0' : '5';
    } else if (t == 'X') {
        t = (int)fz_u8(&g->f);
    }
    e->type = t;
    e->mode = fz_pick(&g->f, 8) ? modes[fz_pick(&g->f, 10)] : (fz_u16(&g->f) & 07777);
    e->uid = rare(g) ? rare_ids[fz_pick(&g->f, 4)] : ids[fz_pick(&g->f, 8)];
    e->gid = rare(g) ? rare_ids[fz_pick(&g->f, 4)] : ids[fz_pick(&g->f, 8)];
    if (fz_pick(&g->f, 16) == 0)
        e->uid = fz_u32(&g->f);
    e->fmt = fz_pick(&g->f, 8);
    e->fmt = e->fmt < 4 ? FMT_USTAR : e->fmt < 6 ? FMT_GNU : e->fmt == 6 ? FMT_V7 : FMT_STAR;
    e->name_how = fz_pick(&g->f, 8);
    e->id_how = fz_pick(&g->f, 8);
    e->signed_sum = fz_pick(&g->f, 8) == 0;
    e->bad_sum = rare(g) && rare(g);
    if (t == '1' || t == '2') {
        if (g->nnames && fz_pick(&g->f, 4)) {
            const char *lead = t == '2' && fz_pick(&g->f, 2) ? "/" : "";
            const char *nm = g->names[fz_u8(&g->f) % (g->nnames < MAX_NAMES ? g->nnames : MAX_NAMES)];
            size_t ll = strlen(lead), nl = strlen(nm);
            if (ll + nl >= sizeof e->link) /* cut to the field */
                nl = sizeof e->link - 1 - ll;
            memcpy(e->link, lead, ll);
            memcpy(e->link + ll, nm, nl);
            e->link[ll + nl] = 0;
        } else {
            gen_name(g, e->link, sizeof e->link, 0);
        }
        e->link_how = fz_pick(&g->f, 6);
    }
    if (t == '3' || t == '4') {
        e->maj = fz_pick(&g->f, 2) ? 0 : 1 + fz_pick(&g->f, 8);
        e->min = fz_pick(&g->f, 2) ? 0 : fz_pick(&g->f, 8);
    }
    if (t == '1' || t == '2' || t == '3' || t == '4' || t == '5' || t == '6')
        e->lie = fz_pick(&g->f, 8) == 0 ? 1 + fz_pick(&g->f, 2) : 0;
    if (t == '0' || t == '7' || t > 'z' || t < '0') {
        unsigned b = fz_pick(&g->f, 8);
        if (b == 0 || b == 1) {
            e->bodylen = body_elf(g, e->body);
            if (b == 0)
                e->mode |= 0111;
        } else if (b == 2) {
            static const char *const sh[] = {"#!/bin/sh\n", "#!/usr/bin/env python3\n",
                                             "#! /bin/bash -e\n", "#!"};
            const char *s = sh[fz_pick(&g->f, 4)];
            e->bodylen = strlen(s);
            memcpy(e->body, s, e->bodylen);
            e->mode |= 0100;
        } else if (b == 3 || b == 4) {
            e->bodylen = body_idfile(g, e->body, sizeof e->body);
        } else if (b == 5) {
            const uint8_t *p = fz_bytes(&g->f, fz_u8(&g->f), &e->bodylen);
            memcpy(e->body, p, e->bodylen);
        }
        e->size_in_pax = fz_pick(&g->f, 16) == 0;
    }
    unsigned nr = fz_pick(&g->f, 8);
    for (unsigned i = 0; i < nr && i < 3; i++) {
        unsigned char v[512];
        size_t vl;
        switch (fz_pick(&g->f, 10)) {
        case 0:
        case 1:
        case 2:
            vl = cap_blob(g, v);
            add_rec(e, "SCHILY.xattr.security.capability", v, vl);
            break;
        case 3:
            add_rec(e, "SCHILY.xattr.user.mime", "text/plain", 10);
            break;
        case 4:
            if (rare(g))
                add_rec(e,
                        fz_pick(&g->f, 2) ? "SCHILY.xattr.trusted.overlay.opaque"
                                          : "SCHILY.xattr.user.overlay.redirect",
                        "y", 1);
            else
                add_rec(e, "SCHILY.xattr.security.selinux", "system_u:object_r:bin_t:s0", 26);
            break;
        case 5:
            add_rec(e, "mtime", "1700000000.5", 12);
            break;
        case 6:
            add_rec(e, fz_pick(&g->f, 2) ? "uid" : "gid", "0", 1);
            break;
        case 7:
            add_rec(e, "uname", "root", 4);
            break;
        case 8:
            add_rec(e, "SCHILY.xattr.security.capability", "", 0);
            break;
        default: {
            const uint8_t *p = fz_bytes(&g->f, fz_pick(&g->f, 16), &vl);
            add_rec(e, "SCHILY.xattr.user.raw", p, vl);
        }
        }
    }
    if (e->name_how == 7)
        gen_name(g, e->decoy, sizeof e->decoy, 0);
    remember(g, e->name);
}

/* Put s in the 100-byte name field, or split it at a '/' into the USTAR
 * prefix; 0 when it does not fit either way. */
static int name_fields(unsigned char *b, const char *s, int prefix_ok)
{
    size_t n = strlen(s);
    if (n <= 100) {
        memcpy(b, s, n);
        return 1;
    }
    if (!prefix_ok || n > 256)
        return 0;
    for (size_t i = n - 1; i > 0; i--)
        if (s[i] == '/' && i <= 155 && n - i - 1 <= 100 && n - i - 1 > 0) {
            memcpy(b + 345, s, i);
            memcpy(b, s + i + 1, n - i - 1);
            return 1;
        }
    return 0;
}

/* Serialise e; after[0..nafter) are the sizes of the entries after it,
 * which a header-only entry that lies about its size claims as its body. */
static void emit(gbuf *out, const gent *e, const size_t *after, size_t nafter)
{
    unsigned char b[512] = {0};
    gbuf pax = {0};
    int fmt = (int)e->fmt;
    int long_name = 0, pax_name = 0;
    size_t nl = strlen(e->name);
    /* how the name is stored: 0-3 field (or prefix), 4-5 GNU L, 6 PAX, 7 both */
    unsigned how = e->name_how;
    if (how < 4 && !name_fields(b, e->name, fmt == FMT_USTAR))
        how = (fmt == FMT_GNU) ? 4 : 6;
    if (how == 4 || how == 5 || how == 7)
        long_name = 1;
    if (how == 6 || how == 7)
        pax_name = 1;
    if (long_name || pax_name)
        snprintf((char *)b, 100, "%.99s", e->name); /* what an old reader would see */
    if (pax_name)
        pax_add(&pax, "path", how == 7 && e->decoy[0] ? e->decoy : e->name,
                strlen(how == 7 && e->decoy[0] ? e->decoy : e->name));
    int long_link = 0;
    size_t ll = strlen(e->link);
    if (ll) {
        unsigned lh = e->link_how;
        if (lh < 3 && ll <= 100)
            memcpy(b + 157, e->link, ll);
        else if (lh < 5 && lh != 3)
            long_link = 1;
        else
            pax_add(&pax, "linkpath", e->link, ll);
        if (long_link && ll <= 100 && lh == 4)
            memcpy(b + 157, e->link, ll);
    }
    /* numbers */
    put_octal(b + 100, 8, e->mode);
    if (e->id_how == 0 || e->uid < 0 || e->uid > 07777777 || e->gid < 0 || e->gid > 07777777) {
        put_b256(b + 108, 8, e->uid);
        put_b256(b + 116, 8, e->gid);
    } else {
        put_octal(b + 108, 8, (uint64_t)e->uid);
        put_octal(b + 116, 8, (uint64_t)e->gid);
    }
    if (e->id_how == 1 && e->uid >= 0) {
        char num[24];
        snprintf(num, sizeof num, "%lld", (long long)e->uid);
        pax_add(&pax, "uid", num, strlen(num));
    }
    size_t size = e->bodylen;
    if (e->lie) /* a header-only type whose size claims what follows */
        for (size_t i = 0; i < e->lie && i < nafter; i++)
            size += after[i];
    if (e->size_in_pax) {
        char num[24];
        snprintf(num, sizeof num, "%zu", size);
        pax_add(&pax, "size", num, strlen(num));
        put_octal(b + 124, 12, 0);
    } else {
        put_octal(b + 124, 12, size);
    }
    put_octal(b + 136, 12, 1700000000);
    b[156] = (unsigned char)e->type;
    if (e->type == '3' || e->type == '4') {
        put_octal(b + 329, 8, e->maj);
        put_octal(b + 337, 8, e->min);
    }
    for (size_t i = 0; i < e->nrecs; i++)
        pax_add(&pax, e->recs[i].key, e->recs[i].val, e->recs[i].vlen);
    if (e->type == 'g') /* a global header: its records are its body */
        pax_add(&pax, "comment", "g", 1);
    finish_header(b, fmt, e->signed_sum, e->bad_sum);
    /* what comes before the header */
    if (pax.n && e->type != 'g')
        special(out, 'x', "PaxHeaders/x", pax.p, pax.n, FMT_USTAR);
    if (long_name)
        special(out, 'L', "././@LongLink", e->name, nl + 1, FMT_GNU);
    if (long_link)
        special(out, 'K', "././@LongLink", e->link, ll + 1, FMT_GNU);
    if (e->type == 'g') {
        unsigned char gb[512];
        memcpy(gb, b, 512);
        put_octal(gb + 124, 12, pax.n);
        finish_header(gb, fmt, 0, e->bad_sum);
        gb_add(out, gb, 512);
        gb_add(out, pax.p, pax.n);
        gb_zero(out, (512 - pax.n % 512) % 512);
    } else {
        gb_add(out, b, 512);
        gb_add(out, e->body, e->bodylen);
        gb_zero(out, (512 - e->bodylen % 512) % 512);
    }
    free(pax.p);
    if (pax.oom)
        out->oom = 1;
}

/* One layer's tar stream. */
static void gen_tar(gen *g, gbuf *tar)
{
    static gent ents[MAX_ENTRIES];
    gbuf parts[MAX_ENTRIES];
    size_t lens[MAX_ENTRIES];
    size_t n = 1 + fz_pick(&g->f, MAX_ENTRIES);
    for (size_t i = 0; i < n; i++)
        gen_entry(g, &ents[i]);
    /* from the last entry back, so a header can claim the bytes after it */
    for (size_t i = n; i-- > 0;) {
        memset(&parts[i], 0, sizeof parts[i]);
        emit(&parts[i], &ents[i], lens + i + 1, n - i - 1);
        lens[i] = parts[i].n;
        if (parts[i].oom)
            tar->oom = 1;
    }
    for (size_t i = 0; i < n; i++) {
        gb_add(tar, parts[i].p, parts[i].n);
        free(parts[i].p);
    }
    switch (fz_pick(&g->f, 8)) {
    case 0: /* EOF at a block boundary */
        break;
    case 1:
        gb_zero(tar, 512);
        break;
    case 2: { /* bytes after the end-of-archive blocks */
        size_t k;
        const uint8_t *p = fz_bytes(&g->f, fz_pick(&g->f, 32), &k);
        gb_zero(tar, 1024);
        gb_add(tar, p, k);
        break;
    }
    default:
        gb_zero(tar, 1024);
    }
}

/* ---- compression ---- */

static int gzip_it(const gbuf *in, gbuf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, in->n) + 64;
    out->p = malloc(cap);
    if (!out->p) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = in->p;
    z.avail_in = (uInt)in->n;
    z.next_out = out->p;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    out->n = cap - z.avail_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

static int zstd_it(const gbuf *in, gbuf *out)
{
    size_t cap = ZSTD_compressBound(in->n);
    out->p = malloc(cap);
    if (!out->p)
        return -1;
    size_t r = ZSTD_compress(out->p, cap, in->p, in->n, 1);
    if (ZSTD_isError(r))
        return -1;
    out->n = r;
    return 0;
}

/* ---- the walk ---- */

static pc_policy_file *policy;

/* The restricted policy shipped in rules/policies (found as the CLI finds
 * it: $PORTCULLIS_DATADIR, or next to the binary), else the defaults. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char *dir = pc_default_rules_dir(), pdir[4200];
    pc_err e;
    snprintf(pdir, sizeof pdir, "%s/policies", dir ? dir : "rules");
    free(dir);
    if (pc_policy_file_load("restricted", pdir, &policy, &e) < 0 &&
        pc_policy_file_parse("{}", 2, "defaults", &policy, &e) < 0) {
        fprintf(stderr, "fuzz_layergen: %s\n", e.msg);
        abort();
    }
    return 0;
}

static const char *const media_types[] = {"application/vnd.oci.image.layer.v1.tar",
                                          "application/vnd.oci.image.layer.v1.tar+gzip",
                                          "application/vnd.oci.image.layer.v1.tar+zstd",
                                          "application/vnd.docker.image.rootfs.diff.tar.gzip"};

static void config_json(gen *g, pc_imgconfig *c)
{
    static const char *const users[] = {"",          "root",    "0",  "app",        "1000",
                                        "1000:1000", "app:app", "+0", "4294967296", "nobody",
                                        "app:wheel", "0:0",     "-0", "1000:0",     "x:y:z"};
    static const char *const eps[] = {"/bin/sh", "/usr/bin/su", "app", "/etc", "/lib/x", "sh"};
    const char *user = users[fz_pick(&g->f, sizeof users / sizeof users[0])];
    const char *ep = eps[fz_pick(&g->f, sizeof eps / sizeof eps[0])];
    char buf[512];
    pc_err e;
    snprintf(buf, sizeof buf,
             "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"%s\","
             "\"Entrypoint\":[\"%s\"],\"WorkingDir\":\"/%s\",\"Env\":[\"PATH=/usr/bin:/bin\"],"
             "\"ExposedPorts\":{\"%s\":{}}}}",
             user, ep, comps[fz_pick(&g->f, 12)], fz_pick(&g->f, 2) ? "80/tcp" : "22/tcp");
    if (pc_imgconfig_parse(buf, strlen(buf), c, &e) < 0) {
        fprintf(stderr, "fuzz_layergen: config %s: %s\n", buf, e.msg);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gen g;
    pc_layer_facts facts[MAX_LAYERS];
    size_t nl = 0, want;
    g.f = (fz){data, size};
    g.nnames = 0;
    want = 1 + fz_pick(&g.f, MAX_LAYERS);
    pc_limits lim;
    pc_limits_default(&lim);
    _Atomic uint64_t files = 0, bytes = 0;
    pc_walk_cfg w = {.limits = &lim, .files_total = &files, .bytes_total = &bytes};
    for (; nl < want; nl++) {
        gbuf tar = {0}, z = {0};
        gen_tar(&g, &tar);
        if (tar.oom) {
            free(tar.p);
            break;
        }
        unsigned comp = fz_pick(&g.f, 4), ty = comp;
        if (fz_pick(&g.f, 8) == 0)
            ty = fz_pick(&g.f, 4); /* a media type that says something else */
        const gbuf *blob = &tar;
        if ((comp == 1 && gzip_it(&tar, &z) == 0) || (comp == 2 && zstd_it(&tar, &z) == 0))
            blob = &z;
        else if (comp == 3 && fz_pick(&g.f, 2) && gzip_it(&tar, &z) == 0)
            blob = &z;
        pc_layer_desc ld = {.d = {.media_type = (char *)media_types[ty]}};
        ld.d.size = (int64_t)blob->n;
        pc_sha256_digest(blob->p, blob->n, ld.d.digest);
        mem_stream m;
        pc_err e;
        int rc = pc_layer_walk(mem_stream_init(&m, blob->p, blob->n, 0), &ld, &w, &facts[nl], &e);
        FZ_LOG("layer %zu: %zu bytes, %s: %s\n", nl, blob->n, media_types[ty],
               rc ? e.msg : "walked");
        free(tar.p);
        free(z.p);
        if (rc < 0)
            break;
    }
    if (nl) {
        pc_fsview v;
        char *listing;
        size_t applied = fzv_apply(&v, facts, nl, &listing);
        FZ_LOG("%s", listing ? listing : "(no listing)\n");
        fzv_cached(facts, nl, applied, listing);
        if (applied == nl) {
            pc_imgconfig c;
            config_json(&g, &c);
            fzv_checks(&v, &c, &policy->run, nl, facts);
            pc_imgconfig_free(&c);
            (void)pc_fsview_lookup(&v, "/usr/bin/../../etc/passwd", 1);
            (void)pc_fsview_lookup(&v, g.names[0], 0);
        }
        free(listing);
        pc_fsview_free(&v);
    }
    for (size_t i = 0; i < nl; i++)
        pc_layer_facts_free(&facts[i]);
    return 0;
}

/*
 * verdict_codec.c — see verdict_codec.h. Little-endian fixed-size fields;
 * a string is a u32 length (0xffffffff: NULL) and its bytes (no NUL in
 * them); a list is a u32 count and its items.
 *
 * Envelope: magic (4), u16 version, u16 flags (0), u32 payload length,
 * the payload, SHA-256 of everything before it (32).
 *
 * Verdict payload: the strings image, digest, manifest_digest,
 * config_digest, platform, policy, policy_digest, rules_digest, exempt,
 * attestation, subject and run_key; u8 denied, scan_failed,
 * findings_lost, would_deny; stats (u32 layers, cached_layers, u64 files,
 * bytes, duration_ms); the findings (each: check, u8 action, message,
 * path, layer, rule, step, waived_by, u8 would_deny, neutralised,
 * category, severity, signal); the sandbox (program, user, u8 needs_root,
 * needs_caps, privileged_ports as u32s, argv, u8 no_new_privileges, u8
 * user_from: 0 none, 1 image, 2 run, 3 policy, groups as u32s,
 * capabilities).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include "verdict_codec.h"
#include "pcx.h"

#define NIL 0xffffffffu
#define HDR 12
#define SUM 32

static const char VERDICT_MAGIC[4] = {'P', 'C', 'V', 'D'};
static const char TAG_MAGIC[4] = {'P', 'C', 'T', 'G'};

/* --- writing */

static void put(pc_buf *b, uint64_t v, int n)
{
    char tmp[8];
    for (int i = 0; i < n; i++)
        tmp[i] = (char)(unsigned char)(v >> (8 * i));
    pc_buf_add(b, tmp, (size_t)n);
}

static void put_str(pc_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (s && n >= NIL)
        b->oom = 1;
    put(b, s ? n : NIL, 4);
    if (s)
        pc_buf_add(b, s, n);
}

static void put_strs(pc_buf *b, char *const *v, size_t n)
{
    if (n >= NIL)
        b->oom = 1;
    put(b, n, 4);
    for (size_t i = 0; i < n; i++)
        put_str(b, v[i]);
}

static void put_u32s(pc_buf *b, const uint32_t *v, size_t n)
{
    if (n >= NIL)
        b->oom = 1;
    put(b, n, 4);
    for (size_t i = 0; i < n; i++)
        put(b, v[i], 4);
}

static int sha256(const void *p, size_t n, unsigned char out[SUM])
{
    unsigned int len = 0;
    return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == SUM ? 0 : -1;
}

/* The envelope around payload (consumed); 0 or -1. */
static int seal(const char magic[4], pc_buf *payload, unsigned char **out, size_t *len)
{
    unsigned char *v = NULL;
    size_t n = payload->len;
    if (!payload->oom && n <= WH_CODEC_MAX - HDR - SUM && (v = malloc(HDR + n + SUM))) {
        memcpy(v, magic, 4);
        v[4] = WH_CODEC_VERSION & 0xff, v[5] = WH_CODEC_VERSION >> 8;
        v[6] = v[7] = 0;
        for (int i = 0; i < 4; i++)
            v[8 + i] = (unsigned char)(n >> (8 * i));
        if (n)
            memcpy(v + HDR, payload->p, n);
        if (sha256(v, HDR + n, v + HDR + n) < 0) {
            free(v);
            v = NULL;
        }
    }
    pc_buf_free(payload);
    if (!v)
        return -1;
    *out = v;
    *len = HDR + n + SUM;
    return 0;
}

static const char *const USER_FROM[] = {"image", "run", "policy"};

static void put_finding(pc_buf *b, const pc_finding *f)
{
    put_str(b, f->check);
    put(b, (uint64_t)f->action, 1);
    put_str(b, f->message);
    put_str(b, f->path);
    put_str(b, f->layer);
    put_str(b, f->rule);
    put_str(b, f->step);
    put_str(b, f->waived_by);
    put(b, f->would_deny != 0, 1);
    put(b, f->neutralised != 0, 1);
    put_str(b, f->category);
    put_str(b, f->severity);
    put_str(b, f->signal);
}

static void put_sandbox(pc_buf *b, const pc_sandbox_info *s)
{
    put_str(b, s->program);
    put_str(b, s->user);
    put(b, s->needs_root != 0, 1);
    put_strs(b, s->needs_caps, s->nneeds_caps);
    put_u32s(b, s->privileged_ports, s->nprivileged_ports);
    put_strs(b, s->argv, s->nargv);
    put(b, s->no_new_privileges != 0, 1);
    unsigned from = 0;
    for (unsigned i = 0; s->user_from && i < 3; i++)
        if (strcmp(s->user_from, USER_FROM[i]) == 0)
            from = i + 1;
    if (s->user_from && !from)
        b->oom = 1; /* a source this codec does not know: not stored */
    put(b, from, 1);
    put_u32s(b, s->groups, s->ngroups);
    put_strs(b, s->capabilities, s->ncapabilities);
}

int wh_verdict_encode(const pc_result *r, unsigned char **out, size_t *len)
{
    pc_buf b = {0};
    const char *strs[] = {r->image,    r->digest,      r->manifest_digest, r->config_digest,
                          r->platform, r->policy,      r->policy_digest,   r->rules_digest,
                          r->exempt,   r->attestation, r->subject,         r->run_key};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        put_str(&b, strs[i]);
    put(&b, r->denied != 0, 1);
    put(&b, r->scan_failed != 0, 1);
    put(&b, r->findings_lost != 0, 1);
    put(&b, r->would_deny != 0, 1);
    put(&b, r->stats.layers, 4);
    put(&b, r->stats.cached_layers, 4);
    put(&b, r->stats.files, 8);
    put(&b, r->stats.bytes, 8);
    put(&b, r->stats.duration_ms, 8);
    if (r->nfindings >= NIL)
        b.oom = 1;
    put(&b, r->nfindings, 4);
    for (size_t i = 0; i < r->nfindings; i++)
        put_finding(&b, &r->findings[i]);
    put_sandbox(&b, &r->sandbox);
    return seal(VERDICT_MAGIC, &b, out, len);
}

int wh_tag_encode(const char *digest, unsigned char **out, size_t *len)
{
    pc_buf b = {0};
    put_str(&b, digest);
    return seal(TAG_MAGIC, &b, out, len);
}

/* --- reading */

typedef struct dec {
    const unsigned char *p;
    size_t n, off;
    int bad;
} dec;

static uint64_t get(dec *d, int n)
{
    uint64_t v = 0;
    if (d->bad || d->n - d->off < (size_t)n) {
        d->bad = 1;
        return 0;
    }
    for (int i = 0; i < n; i++)
        v |= (uint64_t)d->p[d->off + (size_t)i] << (8 * i);
    d->off += (size_t)n;
    return v;
}

static int get_flag(dec *d)
{
    uint64_t v = get(d, 1);
    if (v > 1)
        d->bad = 1;
    return (int)v;
}

/* A string (NULL for NIL, or when bad: check d->bad). */
static char *get_str(dec *d)
{
    uint64_t n = get(d, 4);
    if (d->bad || n == NIL)
        return NULL;
    if (n > d->n - d->off || memchr(d->p + d->off, 0, (size_t)n)) {
        d->bad = 1;
        return NULL;
    }
    char *s = pc_strndup((const char *)d->p + d->off, (size_t)n);
    if (!s)
        d->bad = 1;
    d->off += (size_t)n;
    return s;
}

/* A count of items each at least min bytes long: never more than the
 * bytes left could hold, so an allocation is bounded by the value's size. */
static size_t get_count(dec *d, size_t min)
{
    uint64_t n = get(d, 4);
    if (!d->bad && n > (d->n - d->off) / min)
        d->bad = 1;
    return d->bad ? 0 : (size_t)n;
}

static char **get_strs(dec *d, size_t *count)
{
    size_t n = get_count(d, 4);
    *count = 0;
    if (d->bad || n == 0)
        return NULL;
    char **v = pc_calloc(n, sizeof *v);
    if (!v) {
        d->bad = 1;
        return NULL;
    }
    for (; *count < n && !d->bad; (*count)++)
        if (!(v[*count] = get_str(d)))
            d->bad = 1; /* a NULL inside a list is not a value we write */
    return v;
}

static uint32_t *get_u32s(dec *d, size_t *count)
{
    size_t n = get_count(d, 4);
    *count = 0;
    if (d->bad || n == 0)
        return NULL;
    uint32_t *v = pc_calloc(n, sizeof *v);
    if (!v) {
        d->bad = 1;
        return NULL;
    }
    for (; *count < n; (*count)++)
        v[*count] = (uint32_t)get(d, 4);
    return v;
}

/* The payload inside p when it is an intact value of kind magic. */
static int open_env(const char magic[4], const unsigned char *p, size_t n, dec *d)
{
    unsigned char want[SUM];
    if (!p || n < HDR + SUM || n > WH_CODEC_MAX || memcmp(p, magic, 4) != 0 ||
        (p[4] | p[5] << 8) != WH_CODEC_VERSION || p[6] || p[7])
        return -1;
    size_t len = (size_t)p[8] | (size_t)p[9] << 8 | (size_t)p[10] << 16 | (size_t)p[11] << 24;
    if (len != n - HDR - SUM || sha256(p, HDR + len, want) < 0 ||
        CRYPTO_memcmp(want, p + HDR + len, SUM) != 0)
        return -1;
    memset(d, 0, sizeof *d);
    d->p = p + HDR;
    d->n = len;
    return 0;
}

static void get_finding(dec *d, pc_finding *f)
{
    f->check = get_str(d);
    uint64_t a = get(d, 1);
    if (a > PC_ACTION_DENY)
        d->bad = 1;
    f->action = (pc_action)a;
    f->message = get_str(d);
    f->path = get_str(d);
    f->layer = get_str(d);
    f->rule = get_str(d);
    f->step = get_str(d);
    f->waived_by = get_str(d);
    f->would_deny = get_flag(d);
    f->neutralised = get_flag(d);
    f->category = get_str(d);
    f->severity = get_str(d);
    f->signal = get_str(d);
    if (!f->check || !f->message)
        d->bad = 1; /* every finding has both */
}

static void get_sandbox(dec *d, pc_sandbox_info *s)
{
    s->program = get_str(d);
    s->user = get_str(d);
    s->needs_root = get_flag(d);
    s->needs_caps = get_strs(d, &s->nneeds_caps);
    s->privileged_ports = get_u32s(d, &s->nprivileged_ports);
    s->argv = get_strs(d, &s->nargv);
    s->no_new_privileges = get_flag(d);
    uint64_t from = get(d, 1);
    if (from > 3)
        d->bad = 1;
    s->user_from = from && from <= 3 ? USER_FROM[from - 1] : NULL;
    s->groups = get_u32s(d, &s->ngroups);
    s->capabilities = get_strs(d, &s->ncapabilities);
}

static void get_findings(dec *d, pc_result *r)
{
    /* a finding is at least its 10 strings' lengths and 3 bytes */
    size_t n = get_count(d, 10 * 4 + 3);
    if (d->bad || n == 0)
        return;
    if (!(r->findings = pc_calloc(n, sizeof *r->findings))) {
        d->bad = 1;
        return;
    }
    r->capfindings = n;
    for (; r->nfindings < n && !d->bad; r->nfindings++)
        get_finding(d, &r->findings[r->nfindings]);
}

pc_result *wh_verdict_decode(const unsigned char *p, size_t n)
{
    dec d;
    if (open_env(VERDICT_MAGIC, p, n, &d) < 0)
        return NULL;
    pc_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    char **strs[] = {&r->image,    &r->digest,      &r->manifest_digest, &r->config_digest,
                     &r->platform, &r->policy,      &r->policy_digest,   &r->rules_digest,
                     &r->exempt,   &r->attestation, &r->subject};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        *strs[i] = get_str(&d);
    char *runkey = get_str(&d);
    if (!runkey || strlen(runkey) >= sizeof r->run_key)
        d.bad = 1;
    else
        memcpy(r->run_key, runkey, strlen(runkey) + 1);
    free(runkey);
    r->denied = get_flag(&d);
    r->scan_failed = get_flag(&d);
    r->findings_lost = get_flag(&d);
    r->would_deny = get_flag(&d);
    r->stats.layers = (unsigned)get(&d, 4);
    r->stats.cached_layers = (unsigned)get(&d, 4);
    r->stats.files = get(&d, 8);
    r->stats.bytes = get(&d, 8);
    r->stats.duration_ms = get(&d, 8);
    get_findings(&d, r);
    get_sandbox(&d, &r->sandbox);
    if (d.bad || d.off != d.n || !r->image || !r->digest || !r->policy_digest) {
        pc_result_free(r);
        return NULL;
    }
    return r;
}

static int is_digest(const char *s)
{
    return strlen(s) == 71 && strncmp(s, "sha256:", 7) == 0 &&
           strspn(s + 7, "0123456789abcdef") == 64;
}

int wh_tag_decode(const unsigned char *p, size_t n, char out[72])
{
    dec d;
    if (open_env(TAG_MAGIC, p, n, &d) < 0)
        return -1;
    char *s = get_str(&d);
    int ok = s && !d.bad && d.off == d.n && is_digest(s);
    if (ok)
        memcpy(out, s, 72);
    free(s);
    return ok ? 0 : -1;
}

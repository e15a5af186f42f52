/*
 * passwd.c — colon-separated account files, read the way runc's
 * libcontainer/user reads them (see passwd.h): Go's strconv.Atoi with its
 * error ignored, bytes.TrimSpace on every line, no comments in
 * /etc/passwd, a 64 KiB passwd line limit that fails the whole file, and
 * the first matching entry winning. Lines are scanned in place with
 * explicit lengths: the bytes come from the image and may hold anything.
 */
#include <string.h>
#include "fs/passwd.h"

int pc_go_atoi(const char *s, size_t len, int64_t *out)
{
    const uint64_t cutoff = UINT64_MAX / 10 + 1, min_mag = (uint64_t)1 << 63;
    uint64_t n = 0;
    size_t i = 0;
    int neg = 0;
    *out = 0;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return PC_ATOI_SYNTAX;
    /* ParseUint: a digit that overflows uint64 is a range error at once,
     * whatever follows it; any other byte is a syntax error */
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < '0' || c > '9')
            return PC_ATOI_SYNTAX;
        if (n >= cutoff || n * 10 + (uint64_t)(c - '0') < n * 10) {
            *out = neg ? INT64_MIN : INT64_MAX;
            return PC_ATOI_RANGE;
        }
        n = n * 10 + (uint64_t)(c - '0');
    }
    if (!neg && n >= min_mag) {
        *out = INT64_MAX;
        return PC_ATOI_RANGE;
    }
    if (neg && n > min_mag) {
        *out = INT64_MIN;
        return PC_ATOI_RANGE;
    }
    *out = !neg ? (int64_t)n : n == min_mag ? INT64_MIN : -(int64_t)n;
    return PC_ATOI_OK;
}

/* Bytes of the white-space rune at the start of [p, p+n), 0 if none. */
static size_t space_at(const unsigned char *p, size_t n)
{
    if (n >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')))
        return 1;
    if (n >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0))
        return 2;
    if (n < 3)
        return 0;
    if ((p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) || /* U+1680 */
        (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) || /* U+3000 */
        (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F))   /* U+205F */
        return 3;
    if (p[0] == 0xE2 && p[1] == 0x80 && /* U+2000..200A, 2028, 2029, 202F */
        ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF))
        return 3;
    return 0;
}

/* Bytes of the white-space rune at the end of [p, p+n), 0 if none. A rune
 * decodes there (utf8.DecodeLastRune) exactly when its whole encoding ends
 * the text, so checking each possible length is the same test. */
static size_t space_before(const unsigned char *p, size_t n)
{
    for (size_t k = 1; k <= 3 && k <= n; k++)
        if (space_at(p + n - k, k) == k)
            return k;
    return 0;
}

void pc_go_trim_space(const char **s, size_t *len)
{
    const unsigned char *p = (const unsigned char *)*s;
    size_t n = *len, k;
    while (n > 0 && (k = space_at(p, n)) > 0) {
        p += k;
        n -= k;
    }
    while (n > 0 && (k = space_before(p, n)) > 0)
        n -= k;
    *s = (const char *)p;
    *len = n;
}

void pc_idlines_init(pc_idlines *it, pc_idf_kind kind, const char *text, size_t len)
{
    it->text = text;
    it->len = text ? len : 0;
    it->pos = 0;
    it->kind = kind;
}

int pc_idlines_next(pc_idlines *it, const char **line, size_t *n)
{
    while (it->pos < it->len) {
        const char *p = it->text + it->pos;
        size_t rest = it->len - it->pos;
        const char *nl = memchr(p, '\n', rest);
        size_t raw = nl ? (size_t)(nl - p) : rest;
        it->pos += nl ? raw + 1 : raw;
        if (it->kind == PC_IDF_PASSWD && raw > PC_PW_LINE_MAX) {
            it->pos = it->len;
            return -1;
        }
        /* a '\r' before the '\n' (ScanLines, ReadLine) is white space too */
        pc_go_trim_space(&p, &raw);
        if (raw == 0 || (it->kind == PC_IDF_GROUP && p[0] == '#'))
            continue;
        *line = p;
        *n = raw;
        return 1;
    }
    return 0;
}

/* bytes.Split(line, ":") into the first max fields; the rest stay empty. */
static void split_fields(const char *p, size_t n, pc_field *f, size_t max)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i < max; i++)
        f[i] = (pc_field){p + n, 0};
    for (size_t i = 0; i <= n && k < max; i++) {
        if (i == n || p[i] == ':') {
            f[k++] = (pc_field){p + start, i - start};
            start = i + 1;
        }
    }
}

static int64_t atoi_ignoring_error(pc_field f)
{
    int64_t v;
    pc_go_atoi(f.p, f.n, &v);
    return v;
}

void pc_pwent_parse(const char *line, size_t n, pc_pwent *e)
{
    pc_field f[4];
    split_fields(line, n, f, 4);
    e->name = f[0];
    e->uid_field = f[2];
    e->gid_field = f[3];
    e->uid = atoi_ignoring_error(f[2]);
    e->gid = atoi_ignoring_error(f[3]);
}

void pc_grent_parse(const char *line, size_t n, pc_grent *e)
{
    pc_field f[4];
    split_fields(line, n, f, 4);
    e->name = f[0];
    e->gid_field = f[2];
    e->members = f[3];
    e->gid = atoi_ignoring_error(f[2]);
}

static int same(pc_field f, const char *s, size_t n)
{
    return f.n == n && (n == 0 || memcmp(f.p, s, n) == 0);
}

typedef struct query {
    const char *name;
    size_t nlen;
    int64_t id;
    int by_id;
} query;

/* Reads the whole file even after a match: a bad line further down still
 * fails runc's parse. */
static int pw_find(const char *text, size_t len, const query *q, pc_pwent *out)
{
    pc_idlines it;
    const char *line;
    size_t n;
    int found = 0, r;
    if (!text)
        return 0;
    pc_idlines_init(&it, PC_IDF_PASSWD, text, len);
    while ((r = pc_idlines_next(&it, &line, &n)) == 1) {
        pc_pwent e;
        if (found)
            continue;
        pc_pwent_parse(line, n, &e);
        if (q->by_id ? e.uid == q->id : same(e.name, q->name, q->nlen)) {
            *out = e;
            found = 1;
        }
    }
    return r < 0 ? -1 : found;
}

static int gr_find(const char *text, size_t len, const query *q, pc_grent *out)
{
    pc_idlines it;
    const char *line;
    size_t n;
    if (!text)
        return 0;
    pc_idlines_init(&it, PC_IDF_GROUP, text, len);
    while (pc_idlines_next(&it, &line, &n) == 1) {
        pc_grent e;
        pc_grent_parse(line, n, &e);
        if (q->by_id ? e.gid == q->id : same(e.name, q->name, q->nlen)) {
            *out = e;
            return 1;
        }
    }
    return 0;
}

int pc_pw_find_name(const char *text, size_t len, const char *name, size_t nlen, pc_pwent *out)
{
    query q = {.name = name, .nlen = nlen};
    return pw_find(text, len, &q, out);
}

int pc_pw_find_uid(const char *text, size_t len, int64_t uid, pc_pwent *out)
{
    query q = {.id = uid, .by_id = 1};
    return pw_find(text, len, &q, out);
}

int pc_gr_find_name(const char *text, size_t len, const char *name, size_t nlen, pc_grent *out)
{
    query q = {.name = name, .nlen = nlen};
    return gr_find(text, len, &q, out);
}

int pc_gr_find_gid(const char *text, size_t len, int64_t gid, pc_grent *out)
{
    query q = {.id = gid, .by_id = 1};
    return gr_find(text, len, &q, out);
}

int pc_passwd_by_name(const char *text, size_t len, const char *name, uint32_t *uid, uint32_t *gid)
{
    pc_pwent e;
    if (pc_pw_find_name(text, len, name, strlen(name), &e) != 1)
        return -1;
    *uid = (uint32_t)e.uid;
    *gid = (uint32_t)e.gid;
    return 0;
}

int pc_passwd_by_uid(const char *text, size_t len, uint32_t uid, uint32_t *gid)
{
    pc_pwent e;
    if (pc_pw_find_uid(text, len, uid, &e) != 1)
        return -1;
    *gid = (uint32_t)e.gid;
    return 0;
}

int pc_group_by_name(const char *text, size_t len, const char *name, uint32_t *gid)
{
    pc_grent e;
    if (pc_gr_find_name(text, len, name, strlen(name), &e) != 1)
        return -1;
    *gid = (uint32_t)e.gid;
    return 0;
}

int pc_passwd_name_by_uid(const char *text, size_t len, uint32_t uid, char *buf, size_t buflen)
{
    pc_pwent e;
    if (pc_pw_find_uid(text, len, uid, &e) != 1 || e.name.n == 0 || e.name.n >= buflen)
        return -1;
    memcpy(buf, e.name.p, e.name.n);
    buf[e.name.n] = 0;
    return 0;
}

/* strings.Split(members, ",") holds name exactly. */
static int has_member(pc_field m, const char *name, size_t nlen)
{
    size_t i = 0;
    while (i <= m.n) {
        const char *comma = memchr(m.p + i, ',', m.n - i);
        size_t k = comma ? (size_t)(comma - (m.p + i)) : m.n - i;
        if (k == nlen && memcmp(m.p + i, name, nlen) == 0)
            return 1;
        i += k + 1;
    }
    return 0;
}

void pc_group_memberships(const char *text, size_t len, const char *name, size_t nlen,
                          pc_group_fn fn, void *ud)
{
    pc_idlines it;
    const char *line;
    size_t n;
    if (!text || nlen == 0)
        return;
    pc_idlines_init(&it, PC_IDF_GROUP, text, len);
    while (pc_idlines_next(&it, &line, &n) == 1) {
        pc_grent e;
        pc_grent_parse(line, n, &e);
        if (e.members.n > 0 && has_member(e.members, name, nlen))
            fn(ud, (uint32_t)e.gid);
    }
}

int pc_parse_id(const char *s, size_t len, uint32_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 10)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > 4294967294ULL)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/*
 * passwd.c — colon-separated account files. Lines are scanned in place
 * with explicit lengths (the bytes come from the image and may lack a
 * trailing newline or hold garbage); malformed lines are skipped, as libc
 * does.
 */
#include <string.h>
#include "passwd.h"

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

/* Split line [p, p+n) into up to 4 leading fields. */
static int fields(const char *p, size_t n, const char *f[4], size_t fl[4])
{
    int k = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n && k < 4; i++) {
        if (i == n || p[i] == ':') {
            f[k] = p + start;
            fl[k] = i - start;
            k++;
            start = i + 1;
        }
    }
    return k;
}

typedef int (*line_fn)(const char *f[4], size_t fl[4], int nf, void *ud);

static int each_line(const char *text, size_t len, line_fn fn, void *ud)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        const char *f[4];
        size_t fl[4];
        int nf = fields(text + i, n, f, fl);
        if (n > 0 && text[i] != '#' && fn(f, fl, nf, ud) == 0)
            return 0;
        i += n + 1;
    }
    return -1;
}

typedef struct {
    const char *name;
    uint32_t uid, *ouid, *ogid;
} q;

static int by_name(const char *f[4], size_t fl[4], int nf, void *ud)
{
    q *x = ud;
    size_t n = strlen(x->name);
    if (nf < 4 || fl[0] != n || memcmp(f[0], x->name, n) != 0)
        return -1;
    if (pc_parse_id(f[2], fl[2], x->ouid) < 0 || pc_parse_id(f[3], fl[3], x->ogid) < 0)
        return -1;
    return 0;
}

int pc_passwd_by_name(const char *text, size_t len, const char *name, uint32_t *uid, uint32_t *gid)
{
    q x = {.name = name, .ouid = uid, .ogid = gid};
    return text ? each_line(text, len, by_name, &x) : -1;
}

static int by_uid(const char *f[4], size_t fl[4], int nf, void *ud)
{
    q *x = ud;
    uint32_t u;
    if (nf < 4 || pc_parse_id(f[2], fl[2], &u) < 0 || u != x->uid)
        return -1;
    return pc_parse_id(f[3], fl[3], x->ogid);
}

int pc_passwd_by_uid(const char *text, size_t len, uint32_t uid, uint32_t *gid)
{
    q x = {.uid = uid, .ogid = gid};
    return text ? each_line(text, len, by_uid, &x) : -1;
}

static int grp_by_name(const char *f[4], size_t fl[4], int nf, void *ud)
{
    q *x = ud;
    size_t n = strlen(x->name);
    if (nf < 3 || fl[0] != n || memcmp(f[0], x->name, n) != 0)
        return -1;
    return pc_parse_id(f[2], fl[2], x->ogid);
}

int pc_group_by_name(const char *text, size_t len, const char *name, uint32_t *gid)
{
    q x = {.name = name, .ogid = gid};
    return text ? each_line(text, len, grp_by_name, &x) : -1;
}

typedef struct {
    uint32_t uid;
    char *buf;
    size_t buflen;
} name_q;

static int name_by_uid(const char *f[4], size_t fl[4], int nf, void *ud)
{
    name_q *x = ud;
    uint32_t u;
    if (nf < 4 || fl[0] == 0 || pc_parse_id(f[2], fl[2], &u) < 0 || u != x->uid)
        return -1;
    if (fl[0] >= x->buflen)
        return -1;
    memcpy(x->buf, f[0], fl[0]);
    x->buf[fl[0]] = 0;
    return 0;
}

int pc_passwd_name_by_uid(const char *text, size_t len, uint32_t uid, char *buf, size_t buflen)
{
    name_q x = {.uid = uid, .buf = buf, .buflen = buflen};
    return text ? each_line(text, len, name_by_uid, &x) : -1;
}

typedef struct {
    const char *name;
    pc_group_fn fn;
    void *ud;
} member_q;

/* The member list is the fourth field: comma-separated user names. */
static int has_member(const char *f[4], size_t fl[4], int nf, void *ud)
{
    member_q *x = ud;
    size_t n = strlen(x->name), i = 0;
    uint32_t gid;
    if (nf < 4 || pc_parse_id(f[2], fl[2], &gid) < 0)
        return -1;
    while (i < fl[3]) {
        const char *m = f[3] + i;
        const char *comma = memchr(m, ',', fl[3] - i);
        size_t ml = comma ? (size_t)(comma - m) : fl[3] - i;
        while (ml > 0 && (m[ml - 1] == '\r' || m[ml - 1] == ' '))
            ml--;
        if (ml == n && memcmp(m, x->name, n) == 0) {
            x->fn(x->ud, gid);
            break;
        }
        i = comma ? (size_t)(comma - f[3]) + 1 : fl[3];
    }
    return -1; /* keep going: every group counts */
}

void pc_group_memberships(const char *text, size_t len, const char *name, pc_group_fn fn, void *ud)
{
    member_q x = {.name = name, .fn = fn, .ud = ud};
    if (text && *name)
        each_line(text, len, has_member, &x);
}

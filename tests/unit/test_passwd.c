/*
 * test_passwd.c — the image's USER resolved as the runtimes resolve it:
 * Go's strconv.Atoi and bytes.TrimSpace, runc's /etc/passwd and /etc/group
 * reading (no comments in passwd, '#' lines skipped in group, numeric
 * fields 0 on a syntax error, a 64 KiB passwd line failing the parse),
 * containerd's and Docker's readings of "u" and "u:g", the worst of them
 * judged, and the root-user check on top.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "fsview.h"
#include "passwd.h"
#include "policy.h"
#include "portcullis.h"
#include "sandbox.h"
#include "testlib.h"

extern const pc_check pc_check_root_user;

/* ---- Go primitives ---- */

static void atoi_is(const char *s, int rc, int64_t want)
{
    int64_t v = 12345;
    int got = pc_go_atoi(s, strlen(s), &v);
    if (got != rc || v != want)
        fprintf(stderr, "atoi \"%s\": rc %d value %lld\n", s, got, (long long)v);
    CHECK(got == rc && v == want);
}

static void test_atoi(void)
{
    atoi_is("0", PC_ATOI_OK, 0);
    atoi_is("+0", PC_ATOI_OK, 0);
    atoi_is("-0", PC_ATOI_OK, 0);
    atoi_is("00000000000", PC_ATOI_OK, 0);
    atoi_is("000000000000000000000000001", PC_ATOI_OK, 1);
    atoi_is("1000", PC_ATOI_OK, 1000);
    atoi_is("+1000", PC_ATOI_OK, 1000);
    atoi_is("-1", PC_ATOI_OK, -1);
    atoi_is("4294967296", PC_ATOI_OK, 4294967296LL);
    atoi_is("-4294967296", PC_ATOI_OK, -4294967296LL);
    atoi_is("9223372036854775807", PC_ATOI_OK, INT64_MAX);
    atoi_is("-9223372036854775808", PC_ATOI_OK, INT64_MIN);
    /* range: clamped */
    atoi_is("9223372036854775808", PC_ATOI_RANGE, INT64_MAX);
    atoi_is("-9223372036854775809", PC_ATOI_RANGE, INT64_MIN);
    atoi_is("18446744073709551616", PC_ATOI_RANGE, INT64_MAX);
    atoi_is("99999999999999999999", PC_ATOI_RANGE, INT64_MAX);
    atoi_is("-99999999999999999999", PC_ATOI_RANGE, INT64_MIN);
    /* overflowing uint64 stops ParseUint before it sees the junk ... */
    atoi_is("99999999999999999999x", PC_ATOI_RANGE, INT64_MAX);
    /* ... but junk inside uint64 range is a syntax error */
    atoi_is("9223372036854775808x", PC_ATOI_SYNTAX, 0);
    /* syntax: 0 */
    atoi_is("", PC_ATOI_SYNTAX, 0);
    atoi_is("+", PC_ATOI_SYNTAX, 0);
    atoi_is("-", PC_ATOI_SYNTAX, 0);
    atoi_is("+-1", PC_ATOI_SYNTAX, 0);
    atoi_is(" 1", PC_ATOI_SYNTAX, 0);
    atoi_is("1 ", PC_ATOI_SYNTAX, 0);
    atoi_is("1_000", PC_ATOI_SYNTAX, 0);
    atoi_is("0x0", PC_ATOI_SYNTAX, 0);
    atoi_is("1e3", PC_ATOI_SYNTAX, 0);
    atoi_is("abc", PC_ATOI_SYNTAX, 0);
    atoi_is("\xd9\xa3", PC_ATOI_SYNTAX, 0); /* U+0663, an Arabic-Indic 3 */
}

static void trim_is(const char *s, const char *want)
{
    const char *p = s;
    size_t n = strlen(s);
    pc_go_trim_space(&p, &n);
    CHECK(n == strlen(want) && memcmp(p, want, n) == 0);
}

static void test_trim(void)
{
    trim_is(" \t\r\n\v\fx y \t\r", "x y");
    trim_is("\xc2\xa0x\xc2\xa0", "x");                     /* U+00A0 */
    trim_is("\xc2\x85x\xc2\x85", "x");                     /* U+0085 */
    trim_is("\xe3\x80\x80x\xe2\x80\xa9", "x");             /* U+3000, U+2029 */
    trim_is("\xe1\x9a\x80\xe2\x80\x8ax\xe2\x81\x9f", "x"); /* U+1680, U+200A, U+205F */
    trim_is("\xe2\x80\xafx\xe2\x80\x80", "x");             /* U+202F, U+2000 */
    trim_is("\xe2\x80\x8bx", "\xe2\x80\x8bx");             /* U+200B is not White_Space */
    trim_is("\xef\xbb\xbfx", "\xef\xbb\xbfx");             /* nor is a BOM */
    trim_is("\xc2x\xc2", "\xc2x\xc2");                     /* a lone lead byte is RuneError */
    trim_is("\xa0x\xa0", "\xa0x\xa0");                     /* a lone continuation byte too */
    trim_is("x\xe2\x80", "x\xe2\x80");                     /* a cut rune */
    trim_is(" \xc2\xa0 \xe3\x80\x80", "");
}

/* ---- the files ---- */

static char *long_line(size_t n, const char *before, const char *after)
{
    size_t a = strlen(before), b = strlen(after);
    char *s = malloc(a + n + b + 1);
    memcpy(s, before, a);
    memset(s + a, 'z', n);
    memcpy(s + a + n, after, b + 1);
    return s;
}

static void test_lines(void)
{
    const char *t = "\r\n  \n#c:x:1:1\r\n\xc2\xa0 a:b \xc2\x85\nlast";
    pc_idlines it;
    const char *l;
    size_t n;
    pc_idlines_init(&it, PC_IDF_PASSWD, t, strlen(t));
    CHECK(pc_idlines_next(&it, &l, &n) == 1 && n == 8 && memcmp(l, "#c:x:1:1", 8) == 0);
    CHECK(pc_idlines_next(&it, &l, &n) == 1 && n == 3 && memcmp(l, "a:b", 3) == 0);
    CHECK(pc_idlines_next(&it, &l, &n) == 1 && n == 4 && memcmp(l, "last", 4) == 0);
    CHECK(pc_idlines_next(&it, &l, &n) == 0);
    pc_idlines_init(&it, PC_IDF_GROUP, t, strlen(t)); /* /etc/group skips '#' lines */
    CHECK(pc_idlines_next(&it, &l, &n) == 1 && memcmp(l, "a:b", 3) == 0);
    /* bufio.Scanner: 65535 bytes before the '\n' are fine, 65536 fail,
     * with or without a final newline; a '\r' counts */
    static const struct {
        size_t line; /* bytes of the long line before its '\n' */
        const char *before, *after;
        int found;
    } rows[] = {
        {65535, "a:", "\nb:x:1:1\n", 1},
        {65536, "a:", "\nb:x:1:1\n", -1},
        {65535, "b:x:1:1\na:", "", 1},
        {65536, "b:x:1:1\na:", "", -1}, /* after the match: still fails */
        {65535, "a:", "\r\nb:x:1:1\n", -1},
    };
    pc_pwent e;
    char *s;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        s = long_line(rows[i].line - 2, rows[i].before, rows[i].after);
        CHECK(pc_pw_find_name(s, strlen(s), "b", 1, &e) == rows[i].found);
        free(s);
    }
    /* /etc/group has no limit (bufio.Reader.ReadLine) */
    pc_grent g;
    s = long_line(70 * 1024, "g:x:5:", "\nh:x:6:\n");
    CHECK(pc_gr_find_name(s, strlen(s), "h", 1, &g) == 1 && g.gid == 6);
    free(s);
}

static void test_entries(void)
{
    pc_pwent e;
    pc_grent g;
    const char *l = "app";
    pc_pwent_parse(l, strlen(l), &e); /* missing fields: empty, 0 */
    CHECK(e.name.n == 3 && e.uid == 0 && e.gid == 0 && e.uid_field.n == 0);
    l = "a:x:1000x: 7:g:h:s:extra";
    pc_pwent_parse(l, strlen(l), &e);
    CHECK(e.uid == 0 && e.gid == 0); /* Atoi errors ignored: 0 */
    l = "a:x:99999999999999999999:-99999999999999999999";
    pc_pwent_parse(l, strlen(l), &e);
    CHECK(e.uid == INT64_MAX && e.gid == INT64_MIN); /* range errors: clamped */
    l = "g:x:5:a,b";
    pc_grent_parse(l, strlen(l), &g);
    CHECK(g.gid == 5 && g.members.n == 3);

    const char *pw = "app:x:1000:1000\napp:x:2000:2000\nz:x:1000:7\n";
    CHECK(pc_pw_find_name(pw, strlen(pw), "app", 3, &e) == 1 && e.uid == 1000); /* first wins */
    CHECK(pc_pw_find_uid(pw, strlen(pw), 1000, &e) == 1 && e.name.n == 3);
    CHECK(pc_pw_find_name(pw, strlen(pw), "ap", 2, &e) == 0);
    CHECK(pc_pw_find_name(NULL, 0, "app", 3, &e) == 0);
    uint32_t uid = 9, gid = 9;
    CHECK(pc_passwd_by_name(pw, strlen(pw), "app", &uid, &gid) == 0 && uid == 1000 && gid == 1000);
    CHECK(pc_passwd_by_uid(pw, strlen(pw), 2000, &gid) == 0 && gid == 2000);
    const char *big = "w:x:-4294967296:4294967301\n";
    CHECK(pc_passwd_by_name(big, strlen(big), "w", &uid, &gid) == 0 && uid == 0 && gid == 5);
}

typedef struct gids {
    uint32_t v[8];
    size_t n;
} gids;

static void collect(void *ud, uint32_t gid)
{
    gids *g = ud;
    if (g->n < 8)
        g->v[g->n++] = gid;
}

static void test_memberships(void)
{
    const char *gr = "a:x:1:app\nb:x:2: app\nc:x:3:x,app,y \n#d:x:4:app\ne:x:5:apps,ap\n"
                     "f:x:6:app,\n";
    gids g = {{0}, 0};
    pc_group_memberships(gr, strlen(gr), "app", 3, collect, &g);
    CHECK(g.n == 3 && g.v[0] == 1 && g.v[1] == 3 && g.v[2] == 6);
}

/* ---- USER ---- */

#define PW                                                                                         \
    " root:x:0:0::/:/bin/sh\n"                                                                     \
    "app:x:1000:1000::/app:/bin/sh\r\n"                                                            \
    "app:x:2000:2000::/:/bin/sh\n"                                                                 \
    "bad:x:abc:1000::/:/bin/sh\n"                                                                  \
    "wrap:x:-4294967296:5::/:/bin/sh\n"                                                            \
    "big:x:4294967296:7::/:/bin/sh\n"                                                              \
    "#app:x:5:5::/:/bin/sh\n"                                                                      \
    "\xc2\xa0nb:x:7:7\xc2\xa0\n"                                                                   \
    "nel:x:8:8\xc2\x85\n"                                                                          \
    "99999999999999999999:x:1234:1234\n"                                                           \
    "-1:x:4321:4321\n"                                                                             \
    "sp:x: 1000:1000\n"
#define GR "root:x:0:\nstaff:x:50:app,nobody\n#hidden:x:60:app\n tools:x:2000:app\n"

#define REFUSED 0xFFFFFFFFFFFFull

/* uid:gid packed, or REFUSED. */
static unsigned long long id(uint32_t uid, uint32_t gid)
{
    return (unsigned long long)uid << 32 | gid;
}

static unsigned long long as(pc_runtime rt, const char *user, const pc_idfiles *f)
{
    pc_user_res r;
    pc_user_resolve_as(rt, user, f, &r);
    return r.ok ? id(r.uid, r.gid) : REFUSED;
}

/* USER against f: containerd (truncating), containerd (ranged), Docker,
 * and the judged (worst) reading. */
static void user_is(const pc_idfiles *f, const char *user, unsigned long long cd,
                    unsigned long long cdr, unsigned long long dk, unsigned long long worst)
{
    pc_user_res r;
    unsigned long long got[3] = {as(PC_RT_CONTAINERD, user, f),
                                 as(PC_RT_CONTAINERD_RANGED, user, f), as(PC_RT_DOCKER, user, f)};
    int rc = pc_user_resolve_full(user, f, &r);
    unsigned long long w = rc == 0 ? id(r.uid, r.gid) : REFUSED;
    if (got[0] != cd || got[1] != cdr || got[2] != dk || w != worst)
        fprintf(stderr, "USER \"%s\": %llx %llx %llx worst %llx\n", user, got[0], got[1], got[2],
                w);
    CHECK(got[0] == cd && got[1] == cdr && got[2] == dk && w == worst);
    CHECK((rc == 0) == (worst != REFUSED) && (rc == 0) == r.ok);
}

/* The same answer from every runtime. */
static void all_is(const pc_idfiles *f, const char *user, unsigned long long want)
{
    user_is(f, user, want, want, want, want);
}

static pc_user_err err_of(const pc_idfiles *f, const char *user)
{
    pc_user_res r;
    CHECK(pc_user_resolve_full(user, f, &r) == -1 && r.why && *r.why);
    return r.err;
}

static void test_numbers(void)
{
    pc_idfiles f = {PW, GR, strlen(PW), strlen(GR), 0, 0};
    pc_user_res r;
    all_is(&f, "", id(0, 0));
    all_is(&f, "0", id(0, 0));
    all_is(&f, "+0", id(0, 0));
    all_is(&f, "-0", id(0, 0));
    all_is(&f, "00000000000", id(0, 0));
    all_is(&f, "1000", id(1000, 1000));
    /* 2^32 is 0 to containerd before the range check; a name after it;
     * Docker finds the uid 4294967296 entry ("big") and truncates it */
    user_is(&f, "4294967296", id(0, 0), REFUSED, id(0, 7), id(0, 0));
    user_is(&f, "-4294967296", id(0, 0), REFUSED, id(0, 5), id(0, 0));
    CHECK(pc_user_resolve_full("4294967296", &f, &r) == 0 && r.rt == PC_RT_CONTAINERD &&
          r.uid_from == PC_UID_NUMBER && r.number == 4294967296LL && r.divergent);
    /* -1: 4294967295 (no such uid: gid 0), the user named "-1", out of range */
    user_is(&f, "-1", id(4294967295u, 0), id(4321, 4321), REFUSED, id(4294967295u, 0));
    user_is(&f, "2147483648", id(2147483648u, 0), REFUSED, REFUSED, id(2147483648u, 0));
    /* the reading that runs as root is judged, whichever runtime it is:
     * here only ranged containerd takes "2147483648" as a name, uid 0 */
    static const char pw2[] = "root:x:0:0::/root:/bin/sh\n2147483648:x:0:0::/:/bin/sh\n";
    pc_idfiles f2 = {pw2, GR, strlen(pw2), strlen(GR), 0, 0};
    user_is(&f2, "2147483648", id(2147483648u, 0), id(0, 0), REFUSED, id(0, 0));
    CHECK(pc_user_resolve_full("2147483648", &f2, &r) == 0 && r.rt == PC_RT_CONTAINERD_RANGED &&
          r.uid == 0 && r.divergent);
    /* beyond int64: a name, here a listed one */
    all_is(&f, "99999999999999999999", id(1234, 1234));
    all_is(&f, "0x0", REFUSED);
    CHECK(err_of(&f, "0x0") == PC_UR_NO_USER);
    CHECK(pc_user_resolve_full("1000", &f, &r) == 0 && !r.divergent && r.pw_name.n == 3);
}

static void test_names(void)
{
    pc_idfiles f = {PW, GR, strlen(PW), strlen(GR), 0, 0};
    pc_user_res r;
    all_is(&f, "root", id(0, 0));      /* " root:..." is trimmed */
    all_is(&f, "app", id(1000, 1000)); /* CRLF; the first app wins */
    all_is(&f, "bad", id(0, 1000));    /* uid field "abc" reads as 0 */
    all_is(&f, "wrap", id(0, 5));      /* -4294967296 cut to 32 bits */
    all_is(&f, "big", id(0, 7));       /* 4294967296 too */
    all_is(&f, "#app", id(5, 5));      /* not a comment */
    all_is(&f, "nb", id(7, 7));        /* U+00A0 padding trimmed */
    all_is(&f, "nel", id(8, 8));       /* U+0085 */
    all_is(&f, "sp", id(0, 1000));     /* " 1000" after the split: 0 */
    all_is(&f, "ghost", REFUSED);
    all_is(&f, "app ", REFUSED);
    CHECK(pc_user_resolve_full("bad", &f, &r) == 0 && r.uid_from == PC_UID_PASSWD &&
          r.pw_uid.n == 3 && memcmp(r.pw_uid.p, "abc", 3) == 0);
    CHECK(err_of(&f, "ghost") == PC_UR_NO_USER);
}

static void test_groups(void)
{
    pc_idfiles f = {PW, GR, strlen(PW), strlen(GR), 0, 0};
    pc_user_res r;
    all_is(&f, "app:staff", id(1000, 50));
    all_is(&f, "app:tools", id(1000, 2000)); /* " tools:..." trimmed */
    all_is(&f, "1000:50", id(1000, 50));
    all_is(&f, "bad:staff", id(0, 50));
    all_is(&f, "+0:staff", id(0, 50));
    all_is(&f, "app:#hidden", REFUSED); /* /etc/group skips '#' lines */
    all_is(&f, "app:nogroup", REFUSED);
    CHECK(err_of(&f, "app:nogroup") == PC_UR_NO_GROUP);
    all_is(&f, "ghost:staff", REFUSED);
    /* containerd reads an empty part as 0; Docker takes the passwd gid */
    user_is(&f, "app:", id(1000, 0), id(1000, 0), id(1000, 1000), id(1000, 0));
    all_is(&f, ":5", id(0, 5));
    all_is(&f, ":", id(0, 0));
    CHECK(pc_user_resolve_full(":5", &f, &r) == 0 && r.uid_from == PC_UID_DEFAULT);
    user_is(&f, "4294967296:5", id(0, 5), REFUSED, id(0, 5), id(0, 5));
    /* more than one ':': containerd refuses, Docker reads the first two */
    user_is(&f, "app:staff:x", REFUSED, REFUSED, id(1000, 50), id(1000, 50));
    user_is(&f, "0:0:0", REFUSED, REFUSED, id(0, 0), id(0, 0));
    all_is(&f, "ghost:x:y", REFUSED);
    CHECK(err_of(&f, "ghost:x:y") == PC_UR_COLONS);
    /* -1 as a group: cut to 32 bits, a group name, out of runc's range */
    user_is(&f, "app:-1", id(1000, 4294967295u), REFUSED, REFUSED, id(1000, 4294967295u));
    CHECK(pc_user_resolve_full("app:staff", &f, &r) == 0 && r.group_given);
    CHECK(pc_user_resolve_full("app", &f, &r) == 0 && !r.group_given);
}

static void test_files_missing(void)
{
    pc_idfiles none = {0};
    pc_idfiles nogroup = {PW, NULL, strlen(PW), 0, 0, 0};
    pc_idfiles unread = {NULL, NULL, 0, 0, 1, 1};
    pc_user_res r;
    all_is(&none, "1000", id(1000, 0));
    all_is(&none, "+0", id(0, 0));
    all_is(&none, "1000:7", id(1000, 7));
    all_is(&none, "root", REFUSED); /* no /etc/passwd: every name is refused */
    CHECK(err_of(&none, "app") == PC_UR_NO_PASSWD);
    CHECK(err_of(&none, "app:staff") == PC_UR_NO_PASSWD);
    CHECK(err_of(&nogroup, "1000:staff") == PC_UR_NO_GROUPFILE);
    /* there but not read: a name cannot be judged, a number's gid is a guess */
    CHECK(err_of(&unread, "app") == PC_UR_UNREADABLE);
    CHECK(err_of(&unread, "1000:staff") == PC_UR_UNREADABLE);
    CHECK(pc_user_resolve_full("1000", &unread, &r) == 0 && r.uid == 1000 && r.gid_guessed);
    /* pc_user_resolve, the short form */
    uint32_t uid = 9, gid = 9;
    char eb[256];
    CHECK(pc_user_resolve("+0", NULL, 0, 0, NULL, 0, 0, &uid, &gid, eb, sizeof eb) == 0 &&
          uid == 0 && gid == 0);
    CHECK(pc_user_resolve("app", NULL, 0, 1, NULL, 0, 0, &uid, &gid, eb, sizeof eb) == -1);
    CHECK_CONTAINS(eb, "USER \"app\": the image's /etc/passwd or /etc/group is there");
    CHECK(pc_user_resolve("app", PW, strlen(PW), 0, GR, strlen(GR), 0, &uid, &gid, eb, sizeof eb) ==
              0 &&
          uid == 1000 && gid == 1000);
}

static void test_long_line(void)
{
    char *pw = long_line(70 * 1024, "root:x:0:0::/:/bin/sh\n", "\napp:x:1000:1000\n");
    pc_idfiles f = {pw, GR, strlen(pw), strlen(GR), 0, 0};
    all_is(&f, "app", REFUSED);
    all_is(&f, "root", REFUSED);
    all_is(&f, "1000", REFUSED); /* containerd's WithUserID reads the file too */
    CHECK(err_of(&f, "app") == PC_UR_LONG_LINE);
    /* "u:g" numbers: containerd reads no file; Docker always does */
    user_is(&f, "1000:1000", id(1000, 1000), id(1000, 1000), REFUSED, id(1000, 1000));
    user_is(&f, "0:0", id(0, 0), id(0, 0), REFUSED, id(0, 0));
    user_is(&f, "", id(0, 0), id(0, 0), REFUSED, id(0, 0));
    free(pw);
}

/* ---- the root-user check and the sandbox user ---- */

typedef struct img {
    pc_layer_facts f;
    pc_fsview v;
} img;

static pc_entry *file(img *m, const char *path, const char *content)
{
    pc_entry *e = pc_layer_facts_add(&m->f);
    e->type = PC_E_REG;
    e->path = pc_arena_strdup(&m->f.arena, path);
    e->mode = 0644;
    if (content) {
        e->data = pc_arena_strdup(&m->f.arena, content);
        e->data_len = strlen(content);
        e->size = e->data_len;
    }
    return e;
}

static void img_done(img *m)
{
    pc_err e = {{0}};
    CHECK(pc_fsview_init(&m->v) == 0);
    CHECK(pc_fsview_apply(&m->v, &m->f, 0, &e) == 0);
}

static void img_free(img *m)
{
    pc_fsview_free(&m->v);
    pc_layer_facts_free(&m->f);
}

/* Run root-user on m with USER user; the one finding's message (or NULL)
 * and the sandbox user into out. */
static char *root_user(img *m, const char *user, char *who, size_t wn)
{
    static const char *const digests[] = {"sha256:layer0"};
    char json[512];
    pc_err e = {{0}};
    pc_image im;
    pc_imgconfig cfg;
    pc_policy_file *p = NULL;
    const char *pol = "{\"name\": \"b\", \"sandbox\": {\"uid\": null, \"gid\": null}}";
    pc_result *r = calloc(1, sizeof *r);
    char *msg = NULL;
    memset(&im, 0, sizeof im);
    im.nlayers = 1;
    snprintf(json, sizeof json, "{\"config\": {\"User\": \"%s\"}}", user);
    CHECK(pc_policy_file_parse(pol, strlen(pol), "t.json", &p, &e) == 0);
    CHECK(pc_imgconfig_parse(json, strlen(json), &cfg, &e) == 0);
    static const pc_check *const rows[] = {&pc_check_root_user, NULL};
    pc_check_input in = {
        .cfg = &cfg, .fs = &m->v, .sandbox = &p->run.sandbox, .img = &im, .layers = digests};
    pc_checks_run(rows, &in, r);
    CHECK(r->nfindings <= 1);
    if (r->nfindings)
        msg = strdup(r->findings[0].message);
    snprintf(who, wn, "%s%s", r->sandbox.user ? r->sandbox.user : "(none)",
             r->sandbox.needs_root ? " root" : "");
    pc_users us;
    CHECK(pc_users_resolve(&us, &m->v, cfg.user, &p->run.sandbox) == 0);
    pc_sb_user u = us.sandbox;
    /* the sandbox user is the root-user check's reading */
    if (u.resolved)
        CHECK(strncmp(who, u.id, strlen(u.id)) == 0 && who[strlen(u.id)] != ':');
    pc_users_free(&us);
    pc_result_free(r);
    pc_imgconfig_free(&cfg);
    pc_policy_file_free(p);
    return msg;
}

static void root_is(img *m, const char *user, const char *msg_part, const char *who_want)
{
    char who[64];
    char *msg = root_user(m, user, who, sizeof who);
    if (msg_part)
        CHECK_CONTAINS(msg, msg_part);
    else if (msg)
        fprintf(stderr, "USER \"%s\": unexpected finding: %s\n", user, msg);
    CHECK((msg == NULL) == (msg_part == NULL));
    CHECK_STR(who, who_want);
    free(msg);
}

static void test_root_user_check(void)
{
    img m;
    memset(&m, 0, sizeof m);
    pc_layer_facts_init(&m.f);
    file(&m, "etc/passwd", PW);
    file(&m, "etc/group", GR);
    img_done(&m);
    root_is(&m, "", "image has no USER", "0:0 root");
    root_is(&m, "0", "USER \"0\" runs the container as root (uid 0)", "0:0 root");
    root_is(&m, "+0", "USER \"+0\" is the number 0 to the runtime", "0:0 root");
    root_is(&m, "00000000000", "is the number 0", "0:0 root");
    root_is(&m, "4294967296", "USER \"4294967296\" is the number 4294967296 to the runtime, uid 0",
            "0:0 root");
    root_is(&m, "4294967296", "the runtimes disagree", "0:0 root");
    root_is(&m, "-4294967296", "uid 0 once cut to 32 bits", "0:0 root");
    root_is(&m, "root", "USER \"root\" runs the container as root (uid 0)", "0:0 root");
    root_is(&m, "bad",
            "USER \"bad\" maps to uid 0 in the image's /etc/passwd: its uid field "
            "\"abc\" reads as uid 0",
            "0:1000 root");
    root_is(&m, "wrap", "\"-4294967296\" reads as uid 0", "0:5 root");
    root_is(&m, ":5", "empty user part", "0:5 root");
    root_is(&m, "0:0:0", "as Docker/runc reads it", "0:0 root");
    root_is(&m, "app", NULL, "1000:1000");
    root_is(&m, "#app", NULL, "5:5");
    root_is(&m, "99999999999999999999", NULL, "1234:1234");
    root_is(&m, "-1", NULL, "4294967295:0");
    root_is(&m, "ghost", "USER \"ghost\" is not in the image's /etc/passwd", "ghost");
    root_is(&m, "app:nogroup", "cannot be resolved: no group of that name", "app:nogroup");
    img_free(&m);

    /* a name "maps to uid 0" through a plain "0" uid field */
    memset(&m, 0, sizeof m);
    pc_layer_facts_init(&m.f);
    file(&m, "etc/passwd", "root:x:0:0\ntoor:x:0:0\n");
    img_done(&m);
    root_is(&m, "toor",
            "USER \"toor\" maps to uid 0 in the image's /etc/passwd: the container "
            "runs as root",
            "0:0 root");
    img_free(&m);

    /* no /etc/passwd: numbers stand, names are refused ("root" is taken as root) */
    memset(&m, 0, sizeof m);
    pc_layer_facts_init(&m.f);
    file(&m, "etc/hostname", "x\n");
    img_done(&m);
    root_is(&m, "1000", NULL, "1000:0");
    root_is(&m, "-0", "is the number 0", "0:0 root");
    root_is(&m, "app", "USER \"app\" cannot be resolved: the image has no /etc/passwd", "app");
    root_is(&m, "root", "USER \"root\" cannot be resolved", "0:0 root");
    img_free(&m);

    /* an /etc/passwd whose bytes were not kept (over 1 MiB): names unjudged */
    memset(&m, 0, sizeof m);
    pc_layer_facts_init(&m.f);
    file(&m, "etc/passwd", NULL)->size = 2u << 20;
    img_done(&m);
    root_is(&m, "app", "its bytes were not read", "app");
    root_is(&m, "1000", NULL, "1000:0");
    img_free(&m);

    /* an empty /etc/passwd is a file with no users */
    memset(&m, 0, sizeof m);
    pc_layer_facts_init(&m.f);
    file(&m, "etc/passwd", NULL);
    img_done(&m);
    root_is(&m, "app", "USER \"app\" is not in the image's /etc/passwd", "app");
    img_free(&m);

    /* a 70 KiB line: the runtime cannot read /etc/passwd */
    memset(&m, 0, sizeof m);
    pc_layer_facts_init(&m.f);
    char *pw = long_line(70 * 1024, "app:x:1000:1000\n", "\n");
    file(&m, "etc/passwd", pw);
    img_done(&m);
    root_is(&m, "app", "over 64 KiB", "app");
    root_is(&m, "1000:1000", NULL, "1000:1000");
    free(pw);
    img_free(&m);
}

static void test_sandbox_user(void)
{
    const char *pol = "{\"name\": \"b\", \"sandbox\": {\"uid\": null, \"gid\": null, "
                      "\"dropped_caps\": [\"NET_RAW\"]}}";
    pc_policy_file *p = NULL;
    pc_err e = {{0}};
    pc_sb_user u;
    CHECK(pc_policy_file_parse(pol, strlen(pol), "t.json", &p, &e) == 0);
    CHECK(pc_sb_user_resolve(&u, &p->run.sandbox, "+0", PW, strlen(PW), GR, strlen(GR)) == 0);
    CHECK(u.resolved && u.uid == 0 && u.gid == 0 && u.dac_override);
    pc_sb_user_free(&u);
    CHECK(pc_sb_user_resolve(&u, &p->run.sandbox, "bad", PW, strlen(PW), GR, strlen(GR)) == 0);
    CHECK(u.resolved && u.uid == 0 && u.gid == 1000 && u.dac_override);
    pc_sb_user_free(&u);
    /* named without a group: the member lists ("#hidden" is a comment) */
    CHECK(pc_sb_user_resolve(&u, &p->run.sandbox, "app", PW, strlen(PW), GR, strlen(GR)) == 0);
    CHECK(u.uid == 1000 && u.ngroups == 2 && pc_sb_in_group(&u, 50) && pc_sb_in_group(&u, 2000) &&
          !pc_sb_in_group(&u, 60));
    pc_sb_user_free(&u);
    CHECK(pc_sb_user_resolve(&u, &p->run.sandbox, "app:staff", PW, strlen(PW), GR, strlen(GR)) ==
          0);
    CHECK(u.uid == 1000 && u.gid == 50 && u.ngroups == 0);
    pc_sb_user_free(&u);
    CHECK(pc_sb_user_resolve(&u, &p->run.sandbox, "0x0", PW, strlen(PW), GR, strlen(GR)) == 0);
    CHECK(!u.resolved);
    CHECK_CONTAINS(u.who, "unresolvable");
    pc_sb_user_free(&u);
    pc_policy_file_free(p);
}

int main(void)
{
    test_atoi();
    test_trim();
    test_lines();
    test_entries();
    test_memberships();
    test_numbers();
    test_names();
    test_groups();
    test_files_missing();
    test_long_line();
    test_root_user_check();
    test_sandbox_user();
    TEST_MAIN_END();
}

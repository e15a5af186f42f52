/*
 * fuzz_passwd.c — libFuzzer target: an image's USER and its /etc/passwd
 * and /etc/group, resolved as each runtime resolves them
 * (lib/fs/userspec.c pc_user_resolve*, lib/fs/passwd.c). Input:
 * USER FZ_SEP PASSWD FZ_SEP GROUP FZ_SEP FLAGS (a byte: which files are
 * absent or unreadable). Checked: the reading judged is uid 0 whenever
 * any runtime's is; it fails only when every runtime's does; a matched
 * passwd entry points into the passwd bytes; the lookups by name and by
 * uid agree with the entry they return.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "passwd.h"

static int inside(const pc_field *f, const char *buf, size_t len)
{
    return !f->p || (buf && f->p >= buf && f->p + f->n <= buf + len);
}

static void count_gid(void *ud, uint32_t gid)
{
    (void)gid;
    ++*(size_t *)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[4];
    size_t len[4];
    fz_split(data, size, 4, part, len);
    unsigned flags = len[3] ? part[3][0] : 0;
    char *user = fz_strndup(part[0], len[0]);
    /* exact-size copies, so ASan sees any read past the file's end */
    char *pw = (flags & 1) ? NULL : (char *)fz_memdup(part[1], len[1]);
    char *gr = (flags & 2) ? NULL : (char *)fz_memdup(part[2], len[2]);
    if (!user || (!(flags & 1) && !pw) || (!(flags & 2) && !gr))
        goto out;
    pc_idfiles f = {
        pw, gr, pw ? len[1] : 0, gr ? len[2] : 0, !pw && (flags & 4), !gr && (flags & 8)};

    pc_user_res full, as[PC_RT_COUNT];
    int rc = pc_user_resolve_full(user, &f, &full);
    int any_ok = 0, any_root = 0;
    for (int i = 0; i < PC_RT_COUNT; i++) {
        pc_user_resolve_as((pc_runtime)i, user, &f, &as[i]);
        any_ok |= as[i].ok;
        any_root |= as[i].ok && as[i].uid == 0;
        FZ_CHECK(inside(&as[i].pw_name, pw, f.plen) && inside(&as[i].pw_uid, pw, f.plen),
                 "runtime %d: passwd field outside the file", i);
        FZ_CHECK(as[i].ok || as[i].why, "runtime %d: refused without a reason", i);
    }
    FZ_CHECK((rc == 0) == any_ok, "judged %d while some runtime ok=%d", rc, any_ok);
    FZ_CHECK(!any_root || full.uid == 0, "a runtime runs USER \"%s\" as root, judged uid %u", user,
             full.uid);

    uint32_t uid, gid;
    char ebuf[300];
    int rc2 = pc_user_resolve(user, pw, f.plen, !pw && (flags & 4), gr, f.glen, !gr && (flags & 8),
                              &uid, &gid, ebuf, sizeof ebuf);
    FZ_CHECK(rc2 == rc && (rc2 < 0 || (uid == full.uid && gid == full.gid)),
             "pc_user_resolve and pc_user_resolve_full disagree");

    pc_pwent pe;
    if (pw && pc_pw_find_name(pw, f.plen, user, len[0], &pe) == 1)
        FZ_CHECK(pe.name.n == len[0] && memcmp(pe.name.p, user, len[0]) == 0 &&
                     inside(&pe.name, pw, f.plen),
                 "found a user by another name");
    int64_t n;
    if (pw && pc_go_atoi(user, len[0], &n) == PC_ATOI_OK && pc_pw_find_uid(pw, f.plen, n, &pe) == 1)
        FZ_CHECK(pe.uid == n, "found uid %lld for %lld", (long long)pe.uid, (long long)n);
    pc_grent ge;
    if (gr && pc_gr_find_name(gr, f.glen, user, len[0], &ge) == 1)
        FZ_CHECK(ge.name.n == len[0] && memcmp(ge.name.p, user, len[0]) == 0,
                 "found a group by another name");
    if (gr && pc_go_atoi(user, len[0], &n) == PC_ATOI_OK)
        (void)pc_gr_find_gid(gr, f.glen, n, &ge);
    char name[64];
    (void)pc_passwd_by_name(pw, f.plen, user, &uid, &gid);
    (void)pc_passwd_by_uid(pw, f.plen, full.uid, &gid);
    (void)pc_group_by_name(gr, f.glen, user, &gid);
    if (pc_passwd_name_by_uid(pw, f.plen, full.uid, name, sizeof name) == 0)
        FZ_CHECK(strlen(name) < sizeof name, "name overflow");
    size_t groups = 0;
    pc_group_memberships(gr, f.glen, user, len[0], count_gid, &groups);
    (void)pc_parse_id(user, len[0], &uid);
out:
    free(user);
    free(pw);
    free(gr);
    return 0;
}

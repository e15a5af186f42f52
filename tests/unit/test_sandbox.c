/*
 * test_sandbox.c — sandbox readiness on hand-built layer facts: the
 * sandbox user (policy or image USER through /etc/passwd and /etc/group),
 * permission bits, path walks that check search permission, PATH search,
 * the entrypoint-unrunnable and workdir-inaccessible checks with their
 * exact messages, and the sandbox facts in the text and SARIF reports.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "passwd.h"
#include "policy.h"
#include "sandbox.h"
#include "sonames.h"
#include "testlib.h"

extern const pc_check pc_check_entrypoint_unrunnable, pc_check_workdir_inaccessible;

#define LOADER "/lib64/ld-linux-x86-64.so.2"
#define PASSWD                                                                                     \
    "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n"                               \
    "other:x:1002:1002::/:/bin/sh\n"
#define GROUP "root:x:0:\napp:x:1000:\nother:x:1002:\ntools:x:2000:nobody,app\n"
#define RESTRICTED                                                                                 \
    "{\"name\": \"r\", \"sandbox\": {\"uid\": 1001, \"gid\": 1001, \"dropped_caps\": [\"ALL\"], "  \
    "\"no_new_privileges\": true}}"
#define BASELINE                                                                                   \
    "{\"name\": \"b\", \"sandbox\": {\"uid\": null, \"gid\": null, \"dropped_caps\": "             \
    "[\"NET_RAW\", \"SYS_ADMIN\"], \"no_new_privileges\": false}}"

typedef struct world {
    pc_layer_facts f, wh;
    pc_fsview v;
} world;

static pc_entry *add(pc_layer_facts *f, pc_etype t, const char *path, unsigned mode, unsigned uid,
                     unsigned gid, const char *link)
{
    pc_entry *e = pc_layer_facts_add(f);
    e->type = t;
    e->path = pc_arena_strdup(&f->arena, path);
    e->mode = mode;
    e->uid = uid;
    e->gid = gid;
    e->link = link ? pc_arena_strdup(&f->arena, link) : NULL;
    return e;
}

static pc_entry *elf(pc_layer_facts *f, const char *path, unsigned mode, unsigned uid, unsigned gid,
                     unsigned machine, const char *interp)
{
    pc_entry *e = add(f, PC_E_REG, path, mode, uid, gid, NULL);
    e->head = PC_HEAD_ELF;
    e->elf_class = 2;
    e->elf_machine = (uint16_t)machine;
    e->interp = interp ? pc_arena_strdup(&f->arena, interp) : NULL;
    return e;
}

static void script(pc_layer_facts *f, const char *path, const char *line)
{
    pc_entry *e = add(f, PC_E_REG, path, 0755, 0, 0, NULL);
    e->head = PC_HEAD_SCRIPT;
    e->interp = pc_arena_strdup(&f->arena, line);
}

static void text(pc_layer_facts *f, const char *path, const char *content)
{
    pc_entry *e = add(f, PC_E_REG, path, 0644, 0, 0, NULL);
    e->data = pc_arena_strdup(&f->arena, content);
    e->data_len = strlen(content);
}

static void base_system(pc_layer_facts *f)
{
    text(f, "etc/passwd", PASSWD);
    text(f, "etc/group", GROUP);
    add(f, PC_E_SYMLINK, "lib64/ld-linux-x86-64.so.2", 0777, 0, 0,
        "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    elf(f, "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 0755, 0, 0, 62, NULL);
    elf(f, "usr/bin/python3.11", 0755, 0, 0, 62, LOADER);
    add(f, PC_E_SYMLINK, "usr/bin/python3", 0777, 0, 0, "python3.11");
    elf(f, "usr/bin/env", 0755, 0, 0, 62, LOADER);
    elf(f, "bin/bash", 0755, 0, 0, 62, LOADER);
    add(f, PC_E_SYMLINK, "bin/sh", 0777, 0, 0, "bash");
    add(f, PC_E_DIR, "opt/secret", 0700, 0, 0, NULL);
    elf(f, "opt/secret/tool", 0755, 0, 0, 62, NULL);
    add(f, PC_E_DIR, "data", 0700, 0, 0, NULL);
    add(f, PC_E_DIR, "srv", 0750, 0, 2000, NULL);
}

static void app_files(pc_layer_facts *f)
{
    add(f, PC_E_DIR, "app", 0755, 0, 0, NULL);
    elf(f, "app/run", 0700, 0, 0, 62, NULL);
    elf(f, "app/run5", 0700, 5, 5, 62, NULL);
    elf(f, "app/ok", 0755, 0, 0, 62, NULL);
    elf(f, "app/grp", 0750, 0, 2000, 62, NULL);
    elf(f, "app/arm", 0755, 0, 0, 183, NULL);
    elf(f, "app/noloader", 0755, 0, 0, 62, "/lib/ld-musl-x86_64.so.1");
    elf(f, "app/suid", 04755, 0, 0, 62, NULL);
    pc_entry *p = elf(f, "app/ping", 0755, 0, 0, 62, LOADER);
    p->has_cap = 1;
    p->cap.permitted = 1ull << 13;
    p->cap.effective = 1;
    add(f, PC_E_SYMLINK, "app/dangling", 0777, 0, 0, "/usr/bin/nope");
    add(f, PC_E_SYMLINK, "app/outside", 0777, 0, 0, "../../../../../usr/bin/python3");
    add(f, PC_E_SYMLINK, "app/loop", 0777, 0, 0, "loop2");
    add(f, PC_E_SYMLINK, "app/loop2", 0777, 0, 0, "loop");
    add(f, PC_E_DIR, "app/sub", 0755, 0, 0, NULL);
    script(f, "app/noint.sh", "/usr/bin/perl -w");
    script(f, "app/envpy", "/usr/bin/env python3");
    script(f, "app/envnone", "/usr/bin/env ruby");
    script(f, "app/envsplit", "/usr/bin/env python3 -u");
    script(f, "app/envS", "/usr/bin/env -S python3 -u");
    script(f, "app/rel.sh", "/bin/sh");
    script(f, "app/empty.sh", "");
}

/* The image; no_sh: a second layer whites /bin/sh out (distroless). */
static void world_init(world *w, int no_sh)
{
    pc_err e = {{0}};
    pc_layer_facts_init(&w->f);
    pc_layer_facts_init(&w->wh);
    CHECK(pc_fsview_init(&w->v) == 0);
    base_system(&w->f);
    app_files(&w->f);
    CHECK(pc_fsview_apply(&w->v, &w->f, 0, &e) == 0);
    if (no_sh) {
        add(&w->wh, PC_E_WHITEOUT, "bin/sh", 0, 0, 0, NULL);
        CHECK(pc_fsview_apply(&w->v, &w->wh, 1, &e) == 0);
    }
}

static void world_free(world *w)
{
    pc_fsview_free(&w->v);
    pc_layer_facts_free(&w->f);
    pc_layer_facts_free(&w->wh);
}

/* ---- the user and permission bits ---- */

static pc_policy_file *policy(const char *text_)
{
    pc_policy_file *p = NULL;
    pc_err e = {{0}};
    CHECK(pc_policy_file_parse(text_, strlen(text_), "test.json", &p, &e) == 0);
    return p;
}

static void resolve_user(pc_sb_user *u, const pc_policy_file *p, const char *user)
{
    CHECK(pc_sb_user_resolve(u, &p->run.sandbox, user, PASSWD, strlen(PASSWD), GROUP,
                             strlen(GROUP)) == 0);
}

static void test_user_forms(void)
{
    pc_policy_file *r = policy(RESTRICTED), *b = policy(BASELINE);
    pc_sb_user u;
    resolve_user(&u, r, "app");
    CHECK(u.resolved && u.forced && u.uid == 1001 && u.gid == 1001 && u.ngroups == 0);
    CHECK_STR(u.who, "1001:1001 (sandbox user)");
    pc_sb_user_free(&u);
    resolve_user(&u, b, "app"); /* named user: /etc/group memberships */
    CHECK(u.uid == 1000 && u.gid == 1000 && u.ngroups == 1 && u.groups[0] == 2000);
    CHECK_STR(u.who, "1000:1000 (image USER \"app\", groups 2000)");
    pc_sb_user_free(&u);
    resolve_user(&u, b, "1000"); /* a uid /etc/passwd knows: the same */
    CHECK(u.uid == 1000 && u.gid == 1000 && pc_sb_in_group(&u, 2000));
    pc_sb_user_free(&u);
    resolve_user(&u, b, "other:tools"); /* explicit group: no supplementary groups */
    CHECK(u.uid == 1002 && u.gid == 2000 && u.ngroups == 0);
    pc_sb_user_free(&u);
    resolve_user(&u, b, "4242:77"); /* numbers need no /etc/passwd */
    CHECK(u.resolved && u.uid == 4242 && u.gid == 77);
    pc_sb_user_free(&u);
    resolve_user(&u, b, "4242"); /* unknown uid: gid 0, as runc */
    CHECK(u.resolved && u.uid == 4242 && u.gid == 0);
    pc_sb_user_free(&u);
    resolve_user(&u, b, ""); /* no USER: root, with DAC_OVERRIDE kept */
    CHECK(u.uid == 0 && u.gid == 0 && u.dac_override && u.dac_read_search);
    CHECK_STR(u.id, "0:0");
    pc_sb_user_free(&u);
    resolve_user(&u, b, "ghost");
    CHECK(!u.resolved);
    CHECK_CONTAINS(u.who, "unresolvable");
    pc_sb_user_free(&u);
    resolve_user(&u, b, "app:nogroup");
    CHECK(!u.resolved);
    pc_sb_user_free(&u);
    pc_policy_file_free(r);
    pc_policy_file_free(b);
}

static void test_user_policy(void)
{
    pc_policy_file *p = policy("{\"name\": \"x\", \"sandbox\": {\"uid\": 1000, \"gid\": 5, "
                               "\"supplementary_gids\": [7, 5, 7], \"dropped_caps\": [\"ALL\"]}}");
    pc_sb_user u;
    resolve_user(&u, p, "other");
    /* forced uid 1000 is "app" in /etc/passwd: its groups merge in, no duplicates */
    CHECK(u.uid == 1000 && u.gid == 5 && u.ngroups == 2 && pc_sb_in_group(&u, 2000) &&
          pc_sb_in_group(&u, 7) && !pc_sb_in_group(&u, 1000));
    CHECK_STR(u.who, "1000:5 (sandbox user, groups 2000,7)");
    pc_sb_user_free(&u);
    pc_policy_file_free(p);
    p = policy("{\"name\": \"x\", \"sandbox\": {\"uid\": 0, \"gid\": 0, \"dropped_caps\": "
               "[\"ALL\"]}}");
    resolve_user(&u, p, "");
    CHECK(u.uid == 0 && !u.dac_override && !u.dac_read_search);
    pc_sb_user_free(&u);
    pc_policy_file_free(p);
    /* a hostile /etc/group: thousands of memberships are cut at the limit */
    char *big = malloc(5000 * 24);
    size_t len = 0;
    for (int i = 0; big && i < 5000; i++)
        len += (size_t)sprintf(big + len, "g%d:x:%d:x,app\n", i, 3000 + i);
    p = policy(BASELINE);
    CHECK(big &&
          pc_sb_user_resolve(&u, &p->run.sandbox, "app", PASSWD, strlen(PASSWD), big, len) == 0);
    CHECK(u.ngroups == PC_SB_MAX_GROUPS && pc_sb_in_group(&u, 3000) && !pc_sb_in_group(&u, 7999));
    CHECK_CONTAINS(u.who, ",...)");
    pc_sb_user_free(&u);
    pc_policy_file_free(p);
    free(big);
    char name[16];
    CHECK(pc_passwd_name_by_uid(PASSWD, strlen(PASSWD), 1002, name, sizeof name) == 0);
    CHECK_STR(name, "other");
    CHECK(pc_passwd_name_by_uid(PASSWD, strlen(PASSWD), 1002, name, 3) == -1);
    CHECK(pc_passwd_name_by_uid(PASSWD, strlen(PASSWD), 7, name, sizeof name) == -1);
}

static void test_perm_bits(void)
{
    world w;
    world_init(&w, 0);
    pc_policy_file *b = policy(BASELINE),
                   *root_nocap = policy("{\"name\": \"x\", \"sandbox\": {\"uid\": 0, "
                                        "\"gid\": 0, \"dropped_caps\": [\"ALL\"]}}");
    pc_sb_user app, other, root, bare;
    resolve_user(&app, b, "app");
    resolve_user(&other, b, "other");
    resolve_user(&root, b, "root");
    resolve_user(&bare, root_nocap, "");
    const pc_node *grp = pc_fsview_lookup(&w.v, "/app/grp", 1),
                  *run = pc_fsview_lookup(&w.v, "/app/run", 1),
                  *run5 = pc_fsview_lookup(&w.v, "/app/run5", 1),
                  *srv = pc_fsview_lookup(&w.v, "/srv", 1),
                  *data = pc_fsview_lookup(&w.v, "/data", 1),
                  *readme = pc_fsview_lookup(&w.v, "/etc/passwd", 1);
    CHECK(pc_sb_perm_class(grp, &app) == 5 && pc_sb_may_execute(grp, &app));
    CHECK(pc_sb_perm_class(grp, &other) == 0 && !pc_sb_may_execute(grp, &other));
    CHECK(!pc_sb_may_execute(run, &app) && pc_sb_may_execute(run, &root));
    CHECK(pc_sb_may_execute(run5, &root));    /* DAC_OVERRIDE, one x bit */
    CHECK(!pc_sb_may_execute(run5, &bare));   /* uid 0 without DAC_OVERRIDE */
    CHECK(pc_sb_may_execute(run, &bare));     /* ... but it owns /app/run */
    CHECK(!pc_sb_may_execute(readme, &root)); /* root still needs an x bit */
    CHECK(pc_sb_may_search(srv, &app) && !pc_sb_may_search(srv, &other));
    CHECK(!pc_sb_may_search(data, &app) && pc_sb_may_search(data, &root));
    CHECK(pc_sb_may_search(data, &bare)); /* owner 0 */
    pc_sb_user_free(&app);
    pc_sb_user_free(&other);
    pc_sb_user_free(&root);
    pc_sb_user_free(&bare);
    pc_policy_file_free(b);
    pc_policy_file_free(root_nocap);
    world_free(&w);
}

static void test_walk(void)
{
    world w;
    world_init(&w, 0);
    pc_policy_file *r = policy(RESTRICTED);
    pc_sb_user u;
    const pc_node *n, *at;
    char buf[512];
    resolve_user(&u, r, "");
    CHECK(pc_sb_lookup(&w.v, "/opt/secret/tool", &u, 1, &n, &at) == PC_LOOKUP_DENIED);
    CHECK(n == NULL && at == pc_fsview_lookup(&w.v, "/opt/secret", 1));
    pc_sb_lookup_why(&w.v, "/opt/secret/tool", PC_LOOKUP_DENIED, at, &u, buf, sizeof buf);
    CHECK_STR(buf, "directory /opt/secret mode 0700 owner 0:0 is not searchable by 1001:1001 "
                   "(sandbox user)");
    /* a relative symlink climbing out of the root lands inside it */
    CHECK(pc_sb_lookup(&w.v, "/app/outside", &u, 1, &n, &at) == PC_LOOKUP_OK);
    CHECK(n == pc_fsview_lookup(&w.v, "/usr/bin/python3.11", 0));
    CHECK(pc_sb_lookup(&w.v, "/app/loop", &u, 1, &n, &at) == PC_LOOKUP_LOOP);
    CHECK(pc_sb_lookup(&w.v, "/app/dangling", &u, 1, &n, &at) == PC_LOOKUP_MISSING);
    pc_sb_lookup_why(&w.v, "/app/dangling", PC_LOOKUP_MISSING, at, &u, buf, sizeof buf);
    CHECK_STR(buf, "dangling symlink to /usr/bin/nope (not in the image)");
    CHECK(pc_sb_lookup(&w.v, "/app/ok/x", &u, 1, &n, &at) == PC_LOOKUP_NOTDIR);
    /* the refused directory is found through a symlink too */
    pc_layer_facts l;
    pc_err e = {{0}};
    pc_layer_facts_init(&l);
    add(&l, PC_E_SYMLINK, "usr/local/bin/tool", 0777, 0, 0, "/opt/secret/tool");
    CHECK(pc_fsview_apply(&w.v, &l, 1, &e) == 0);
    CHECK(pc_sb_lookup(&w.v, "/usr/local/bin/tool", &u, 1, &n, &at) == PC_LOOKUP_DENIED);
    CHECK(at == pc_fsview_lookup(&w.v, "/opt/secret", 1));
    CHECK(pc_fsview_lookup_walk(&w.v, "/usr/local/bin/tool", 1, NULL, NULL, &n, NULL) ==
          PC_LOOKUP_OK);
    pc_sb_user_free(&u);
    pc_policy_file_free(r);
    world_free(&w);
    pc_layer_facts_free(&l);
}

static void test_path_search(void)
{
    world w;
    world_init(&w, 0);
    pc_policy_file *r = policy(RESTRICTED);
    pc_sb_user u;
    pc_sb_found f;
    resolve_user(&u, r, "");
    CHECK(pc_sb_path_search(&w.v, NULL, "/", "python3", &u, &f) == 1);
    CHECK_STR(f.path, "/usr/bin/python3");
    /* /app/run is not executable: /bin/... is never reached, so it is named */
    CHECK(pc_sb_path_search(&w.v, "/nowhere:/app:/usr/bin", "/", "run", &u, &f) == 0);
    CHECK(f.status == PC_LOOKUP_OK && f.node == pc_fsview_lookup(&w.v, "/app/run", 1));
    CHECK(pc_sb_path_search(&w.v, "/app:/usr/bin", "/", "env", &u, &f) == 1);
    CHECK_STR(f.path, "/usr/bin/env");
    CHECK(pc_sb_path_search(&w.v, "bin::/x", "/usr", "env", &u, &f) == 1); /* relative entry */
    CHECK_STR(f.path, "/usr/bin/env");
    CHECK(pc_sb_path_search(&w.v, "/opt/secret", "/", "tool", &u, &f) == 0);
    CHECK(f.status == PC_LOOKUP_DENIED);
    CHECK(pc_sb_path_search(&w.v, "/usr/bin", "/", "ruby", &u, &f) == 0);
    CHECK(f.status == PC_LOOKUP_MISSING && f.path[0] == 0);
    char big[PC_SB_PATH_MAX + 10];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK(pc_sb_path_search(&w.v, big, "/", "env", &u, &f) == 0);
    CHECK(pc_sb_join(big, 8, "/usr/bin", "env") == -1);
    pc_sb_user_free(&u);
    pc_policy_file_free(r);
    world_free(&w);
}

/* ---- the checks ---- */

typedef struct run {
    pc_result *r;
    pc_policy_file *p;
    pc_imgconfig cfg;
} run;

static const char *layer_digests[] = {"sha256:layer0", "sha256:layer1"};

/* Run rows (NULL-terminated) on w with config and policy pol. */
static void run_rows(run *x, world *w, const char *config, const char *pol, const char *arch,
                     const pc_check *const *rows)
{
    pc_err e = {{0}};
    pc_image img;
    memset(&img, 0, sizeof img);
    memset(x, 0, sizeof *x);
    snprintf(img.platform.os, sizeof img.platform.os, "linux");
    snprintf(img.platform.arch, sizeof img.platform.arch, "%s", arch);
    img.nlayers = 2;
    x->p = policy(pol);
    x->r = calloc(1, sizeof *x->r);
    CHECK(pc_imgconfig_parse(config, strlen(config), &x->cfg, &e) == 0);
    pc_check_input in = {.cfg = &x->cfg,
                         .fs = &w->v,
                         .sandbox = &x->p->run.sandbox,
                         .img = &img,
                         .layers = layer_digests};
    pc_checks_run(rows, &in, x->r);
}

static void run_checks(run *x, world *w, const char *config, const char *pol, const char *arch)
{
    static const pc_check *const rows[] = {&pc_check_entrypoint_unrunnable,
                                           &pc_check_workdir_inaccessible, NULL};
    run_rows(x, w, config, pol, arch, rows);
}

static void run_free(run *x)
{
    pc_result_free(x->r);
    pc_policy_file_free(x->p);
    pc_imgconfig_free(&x->cfg);
}

static size_t count(const run *x, const char *check)
{
    size_t n = 0;
    for (size_t i = 0; i < x->r->nfindings; i++)
        n += strcmp(x->r->findings[i].check, check) == 0;
    return n;
}

static const char *message(const run *x, const char *check)
{
    for (size_t i = 0; i < x->r->nfindings; i++)
        if (strcmp(x->r->findings[i].check, check) == 0)
            return x->r->findings[i].message;
    return NULL;
}

#define EU "entrypoint-unrunnable"
#define WI "workdir-inaccessible"

/* Entrypoint JSON -> the one finding's message (NULL when none), under pol. */
static char *entry_msg(world *w, const char *config, const char *pol, const char *arch)
{
    run x;
    char json[1024];
    snprintf(json, sizeof json, "{\"config\": %s}", config);
    run_checks(&x, w, json, pol, arch);
    const char *m = message(&x, EU);
    char *out = m ? strdup(m) : NULL;
    if (count(&x, EU) > 1)
        fprintf(stderr, "note: %zu findings for %s, first: %s\n", count(&x, EU), config, m);
    run_free(&x);
    return out;
}

#define EXPECT(cfg, pol, needle)                                                                   \
    do {                                                                                           \
        char *m_ = entry_msg(&w, cfg, pol, "amd64");                                               \
        CHECK_CONTAINS(m_, needle);                                                                \
        free(m_);                                                                                  \
    } while (0)
#define EXPECT_NONE(cfg, pol)                                                                      \
    do {                                                                                           \
        char *m_ = entry_msg(&w, cfg, pol, "amd64");                                               \
        if (m_)                                                                                    \
            fprintf(stderr, "unexpected for %s: %s\n", cfg, m_);                                   \
        CHECK(m_ == NULL);                                                                         \
        free(m_);                                                                                  \
    } while (0)

static void test_program_found(void)
{
    world w;
    world_init(&w, 0);
    EXPECT_NONE("{\"Entrypoint\": [\"python3\"]}", RESTRICTED);
    EXPECT_NONE("{\"Cmd\": [\"bash\", \"-c\", \"true\"]}", RESTRICTED);
    EXPECT_NONE("{\"Entrypoint\": [\"/app/outside\"]}", RESTRICTED);
    EXPECT_NONE("{\"Entrypoint\": [\"./rel.sh\"], \"WorkingDir\": \"/app\"}", RESTRICTED);
    EXPECT("{\"Entrypoint\": [\"./rel.sh\"], \"WorkingDir\": \"/srv\"}", RESTRICTED,
           "entrypoint ./rel.sh: directory /srv mode 0750 owner 0:2000 is not searchable");
    EXPECT("{\"Entrypoint\": [\"./rel.sh\"]}", RESTRICTED,
           "entrypoint ./rel.sh: does not exist in the image");
    EXPECT("{\"Entrypoint\": [\"python3\"], \"Env\": [\"PATH=/opt/bin:/usr/local/bin\"]}",
           RESTRICTED, "entrypoint \"python3\": not found in PATH /opt/bin:/usr/local/bin");
    EXPECT("{\"Entrypoint\": [\"/app/dangling\"]}", RESTRICTED,
           "entrypoint /app/dangling: dangling symlink to /usr/bin/nope (not in the image)");
    EXPECT("{\"Entrypoint\": [\"/app/loop\"]}", RESTRICTED,
           "entrypoint /app/loop: too many levels of symbolic links");
    EXPECT("{\"Entrypoint\": [\"/app/sub\"]}", RESTRICTED,
           "entrypoint /app/sub: is a directory, not a regular file");
    EXPECT("{\"Entrypoint\": [\"/opt/secret/tool\"]}", RESTRICTED,
           "entrypoint /opt/secret/tool: directory /opt/secret mode 0700 owner 0:0 is not "
           "searchable by 1001:1001 (sandbox user)");
    EXPECT("{\"Entrypoint\": [\"\"]}", RESTRICTED, "empty string");
    run x; /* the finding's path is tidied; a relative WorkingDir starts at the root */
    run_checks(&x, &w,
               "{\"config\": {\"Entrypoint\": [\"./x/../rel.sh\"], \"WorkingDir\": \"opt\"}}",
               RESTRICTED, "amd64");
    CHECK(x.r->nfindings == 1 && x.r->findings[0].path &&
          strcmp(x.r->findings[0].path, "/opt/rel.sh") == 0);
    run_free(&x);
    world_free(&w);
}

static void test_program_perms(void)
{
    world w;
    world_init(&w, 0);
    EXPECT("{\"Entrypoint\": [\"/app/run\"]}", RESTRICTED,
           "entrypoint /app/run: mode 0700 owner 0:0, not executable by 1001:1001 (sandbox user)");
    EXPECT_NONE("{\"User\": \"root\", \"Entrypoint\": [\"/app/run5\"]}", BASELINE);
    EXPECT("{\"Entrypoint\": [\"run\"], \"Env\": [\"PATH=/app\"]}", RESTRICTED,
           "entrypoint run -> /app/run: mode 0700 owner 0:0, not executable by 1001:1001");
    /* USER resolved through /etc/group: app is in tools (2000), other is not */
    EXPECT_NONE("{\"User\": \"app\", \"Entrypoint\": [\"/app/grp\"]}", BASELINE);
    EXPECT_NONE("{\"User\": \"other:tools\", \"Entrypoint\": [\"/app/grp\"]}", BASELINE);
    EXPECT("{\"User\": \"other\", \"Entrypoint\": [\"/app/grp\"]}", BASELINE,
           "entrypoint /app/grp: mode 0750 owner 0:2000, not executable by 1002:1002 (image "
           "USER \"other\")");
    EXPECT("{\"User\": \"app\", \"Entrypoint\": [\"/app/grp\"]}", RESTRICTED,
           "not executable by 1001:1001 (sandbox user)");
    run x;
    run_checks(&x, &w, "{\"config\": {\"User\": \"app\", \"Entrypoint\": [\"/app/run\"]}}",
               RESTRICTED, "amd64");
    CHECK_STR(x.r->sandbox.program, "/app/run");
    CHECK_STR(x.r->sandbox.user, "1001:1001");
    CHECK(x.r->sandbox.needs_root == 1);
    CHECK(x.r->nfindings == 1 && x.r->findings[0].path &&
          strcmp(x.r->findings[0].path, "/app/run") == 0 && x.r->findings[0].layer &&
          strcmp(x.r->findings[0].layer, "sha256:layer0") == 0);
    run_free(&x);
    /* needs_root only when nothing but uid 0 gets past: not for a group x bit */
    run_checks(&x, &w, "{\"config\": {\"User\": \"app\", \"Entrypoint\": [\"/app/grp\"]}}",
               RESTRICTED, "amd64");
    CHECK(x.r->nfindings == 1 && x.r->sandbox.needs_root == 0);
    run_free(&x);
    run_checks(&x, &w, "{\"config\": {\"Entrypoint\": [\"/opt/secret/tool\"]}}", RESTRICTED,
               "amd64");
    CHECK(x.r->nfindings == 1 && x.r->sandbox.needs_root == 1);
    run_free(&x);
    run_checks(&x, &w, "{\"config\": {\"User\": \"app\", \"Entrypoint\": [\"python3\"]}}", BASELINE,
               "amd64");
    CHECK_STR(x.r->sandbox.program, "/usr/bin/python3.11");
    CHECK_STR(x.r->sandbox.user, "1000:1000");
    CHECK(x.r->sandbox.needs_root == 0 && x.r->nfindings == 0);
    run_free(&x);
    world_free(&w);
}

static void test_program_heads(void)
{
    world w, ds;
    world_init(&w, 0);
    world_init(&ds, 1);
    EXPECT("{\"Entrypoint\": [\"/app/noint.sh\"]}", RESTRICTED,
           "entrypoint /app/noint.sh: interpreter /usr/bin/perl: does not exist in the image");
    EXPECT_NONE("{\"Entrypoint\": [\"/app/envpy\"]}", RESTRICTED);
    EXPECT_NONE("{\"Entrypoint\": [\"/app/envS\"]}", RESTRICTED);
    EXPECT("{\"Entrypoint\": [\"/app/envnone\"]}", RESTRICTED,
           "entrypoint /app/envnone: #!/usr/bin/env ruby: \"ruby\" not found in PATH "
           "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    EXPECT("{\"Entrypoint\": [\"/app/envsplit\"]}", RESTRICTED, "use env -S");
    EXPECT("{\"Entrypoint\": [\"/app/empty.sh\"]}", RESTRICTED, "empty #! line");
    EXPECT("{\"Entrypoint\": [\"/app/arm\"]}", RESTRICTED,
           "entrypoint /app/arm: aarch64 binary in a linux/amd64 image");
    char *m = entry_msg(&w, "{\"Entrypoint\": [\"/app/arm\"]}", RESTRICTED, "arm64");
    CHECK(m == NULL);
    free(m);
    m = entry_msg(&w, "{\"Entrypoint\": [\"/app/ok\"]}", RESTRICTED, "arm64");
    CHECK_CONTAINS(m, "x86_64 binary in a linux/arm64 image");
    free(m);
    EXPECT("{\"Entrypoint\": [\"/app/noloader\"]}", RESTRICTED,
           "entrypoint /app/noloader: dynamic loader /lib/ld-musl-x86_64.so.1: does not exist in "
           "the image");
    EXPECT_NONE("{\"Entrypoint\": [\"/app/ok\"]}", RESTRICTED); /* static: no loader */
    /* distroless: no /bin/sh */
    m = entry_msg(&ds, "{\"Cmd\": [\"/bin/sh\", \"-c\", \"run\"]}", RESTRICTED, "amd64");
    CHECK_CONTAINS(m, "shell-form command (/bin/sh -c ...) but the image has no /bin/sh");
    free(m);
    EXPECT_NONE("{\"Cmd\": [\"/bin/sh\", \"-c\", \"run\"]}", RESTRICTED);
    m = entry_msg(&ds, "{\"Entrypoint\": [\"/app/rel.sh\"]}", RESTRICTED, "amd64");
    CHECK_CONTAINS(m, "entrypoint /app/rel.sh: interpreter /bin/sh: does not exist");
    free(m);
    world_free(&w);
    world_free(&ds);
}

/* A dynamically linked program's DT_NEEDED libraries (sonames.c): one
 * that is nowhere is reported, by name; one anywhere (a file or a symlink,
 * in a usual directory or deep in /opt) is not; GPU-injected and vDSO
 * names are never looked for; an unknown dynamic section says nothing. */
static void needs(pc_layer_facts *f, const char *path, int dyn, const char *const *names, size_t n)
{
    pc_entry *e = elf(f, path, 0755, 0, 0, 62, LOADER);
    e->dyn = (uint8_t)dyn;
    e->nneeded = (uint16_t)n;
    e->needed = pc_arena_alloc(&f->arena, (n ? n : 1) * sizeof *e->needed);
    for (size_t i = 0; i < n; i++)
        e->needed[i] = pc_arena_strdup(&f->arena, names[i]);
}

static void test_program_needed(void)
{
    world w;
    pc_layer_facts l;
    pc_err e = {{0}};
    world_init(&w, 0);
    pc_layer_facts_init(&l);
    static const char *const gone[] = {"libc.so.6",         "libgone.so.2",    "libcuda.so.1",
                                       "libnvidia-ml.so.1", "linux-vdso.so.1", "libgone.so.2"};
    static const char *const there[] = {"libc.so.6", "libodd.so.1", "liblink.so.3",
                                        "/opt/abs/libabs.so"};
    static const char *const dir[] = {"libdir.so.1"};
    add(&l, PC_E_REG, "lib/x86_64-linux-gnu/libc.so.6", 0755, 0, 0, NULL);
    add(&l, PC_E_REG, "opt/weird/deep/libodd.so.1", 0644, 0, 0, NULL);
    add(&l, PC_E_SYMLINK, "srv2/liblink.so.3", 0777, 0, 0, "/nowhere/liblink.so.3.0");
    add(&l, PC_E_REG, "usr/share/libabs.so", 0644, 0, 0, NULL);
    add(&l, PC_E_DIR, "usr/lib/libdir.so.1", 0755, 0, 0, NULL);
    needs(&l, "app/gone", 1, gone, 6);
    needs(&l, "app/there", 1, there, 4);
    needs(&l, "app/unknown", 0, gone, 0);
    needs(&l, "app/dir", 1, dir, 1);
    script(&l, "app/gone.sh", "/app/gone -x");
    CHECK(pc_fsview_apply(&w.v, &l, 1, &e) == 0);
    run x;
    run_checks(&x, &w, "{\"config\": {\"Entrypoint\": [\"/app/gone\"]}}", RESTRICTED, "amd64");
    CHECK(count(&x, EU) == 1);
    CHECK_STR(message(&x, EU),
              "entrypoint /app/gone: needs libgone.so.2 (DT_NEEDED), which is nowhere in the "
              "image: the dynamic loader fails with \"error while loading shared libraries\"");
    run_free(&x);
    EXPECT("{\"Entrypoint\": [\"/app/gone.sh\"]}", RESTRICTED,
           "entrypoint /app/gone.sh: interpreter /app/gone: needs libgone.so.2 (DT_NEEDED)");
    EXPECT("{\"Entrypoint\": [\"/app/dir\"]}", RESTRICTED, "needs libdir.so.1 (DT_NEEDED)");
    EXPECT_NONE("{\"Entrypoint\": [\"/app/there\"]}", RESTRICTED);
    EXPECT_NONE("{\"Entrypoint\": [\"/app/unknown\"]}", RESTRICTED);
    CHECK(pc_soname_injected("libnvidia-ptxjitcompiler.so.1") && pc_soname_injected("libcuda.so") &&
          !pc_soname_injected("libcudart.so.12") && !pc_soname_injected("libc.so.6"));
    world_free(&w);
    pc_layer_facts_free(&l);
}

#define NOCAPS "{\"name\": \"n\", \"sandbox\": {\"uid\": 1001, \"gid\": 1001, \"dropped_caps\": []"
static void test_program_privs(void)
{
    world w;
    world_init(&w, 0);
    EXPECT("{\"Entrypoint\": [\"/app/ping\"]}", RESTRICTED,
           "entrypoint /app/ping: needs cap_net_raw (file capabilities cap_net_raw+ep), which the "
           "sandbox drops: execve fails with EPERM");
    EXPECT("{\"User\": \"app\", \"Entrypoint\": [\"/app/ping\"]}", BASELINE, "cap_net_raw");
    EXPECT_NONE("{\"Entrypoint\": [\"/app/ping\"]}", NOCAPS ", \"no_new_privileges\": false}}");
    EXPECT("{\"Entrypoint\": [\"/app/ping\"]}", NOCAPS ", \"no_new_privileges\": true}}",
           "file capabilities cap_net_raw+ep are not granted under no_new_privileges");
    EXPECT("{\"Entrypoint\": [\"/app/suid\"]}", RESTRICTED,
           "entrypoint /app/suid: set-user-ID 0 (mode 4755 owner 0:0) is ignored under "
           "no_new_privileges: it runs as 1001:1001 (sandbox user), not uid 0");
    EXPECT_NONE("{\"User\": \"app\", \"Entrypoint\": [\"/app/suid\"]}", BASELINE);
    run x;
    run_checks(&x, &w, "{\"config\": {\"Entrypoint\": [\"/app/ping\"]}}", RESTRICTED, "amd64");
    CHECK(x.r->sandbox.nneeds_caps == 1);
    CHECK(x.r->sandbox.nneeds_caps == 1 && strcmp(x.r->sandbox.needs_caps[0], "cap_net_raw") == 0);
    run_free(&x);
    world_free(&w);
}

static void test_workdir(void)
{
    world w;
    world_init(&w, 0);
    run x;
    run_checks(&x, &w, "{\"config\": {\"Entrypoint\": [\"/app/ok\"], \"WorkingDir\": \"/data\"}}",
               RESTRICTED, "amd64");
    CHECK(count(&x, EU) == 0 && count(&x, WI) == 1);
    CHECK_STR(message(&x, WI), "WORKDIR /data: mode 0700 owner 0:0, not searchable by 1001:1001 "
                               "(sandbox user): relative paths fail (the runtime enters it before "
                               "dropping privileges, so the program still starts)");
    CHECK(x.r->nfindings == 1 && x.r->findings[0].action == PC_ACTION_DENY); /* policy decides */
    run_free(&x);
    run_checks(&x, &w, "{\"config\": {\"WorkingDir\": \"/nope\"}}", RESTRICTED, "amd64");
    CHECK_STR(message(&x, WI), "WORKDIR /nope: does not exist in the image: the runtime creates "
                               "it (owner 0:0, mode 0755)");
    CHECK(x.r->nfindings == 1 && x.r->findings[0].action == PC_ACTION_WARN); /* capped */
    run_free(&x);
    run_checks(&x, &w, "{\"config\": {\"WorkingDir\": \"/data/x\"}}", RESTRICTED, "amd64");
    CHECK_CONTAINS(message(&x, WI), "WORKDIR /data/x: directory /data mode 0700 owner 0:0 is "
                                    "not searchable by 1001:1001 (sandbox user): absolute paths");
    run_free(&x);
    run_checks(&x, &w, "{\"config\": {\"WorkingDir\": \"/app/ok\"}}", RESTRICTED, "amd64");
    CHECK_CONTAINS(message(&x, WI), "is a regular file, not a directory");
    run_free(&x);
    const char *ok[] = {"{\"config\": {\"WorkingDir\": \"/app\"}}",
                        "{\"config\": {\"WorkingDir\": \"app/sub\"}}",
                        "{\"config\": {\"User\": \"app\", \"WorkingDir\": \"/srv\"}}", "{}"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        run_checks(&x, &w, ok[i], i == 2 ? BASELINE : RESTRICTED, "amd64");
        CHECK(count(&x, WI) == 0);
        run_free(&x);
    }
    run_checks(&x, &w, "{\"config\": {\"User\": \"other\", \"WorkingDir\": \"/srv\"}}", BASELINE,
               "amd64");
    CHECK_CONTAINS(message(&x, WI), "not searchable by 1002:1002 (image USER \"other\")");
    run_free(&x);
    world_free(&w);
}

/* ---- reports ---- */

static char *render(pc_format fmt_, pc_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    pc_result *const rs[1] = {r};
    CHECK(f && pc_report_write(f, fmt_, rs, 1, 0) == 0);
    if (f)
        fclose(f);
    return buf;
}

static void test_reports(void)
{
    char *caps[1] = {"cap_net_raw"};
    unsigned ports[1] = {80};
    pc_result r;
    memset(&r, 0, sizeof r);
    r.image = "oci:x:1";
    r.sandbox = (pc_sandbox_info){.program = "/bin/ping",
                                  .user = "1001:1001",
                                  .needs_caps = caps,
                                  .nneeds_caps = 1,
                                  .privileged_ports = ports,
                                  .nprivileged_ports = 1};
    char *s = render(PC_FORMAT_TEXT, &r);
    CHECK_CONTAINS(s, "\n  sandbox: program /bin/ping, user 1001:1001, needs root: no, needs "
                      "caps: cap_net_raw, privileged ports: 80\n");
    free(s);
    s = render(PC_FORMAT_SARIF, &r);
    json_t *doc = s ? json_loads(s, 0, NULL) : NULL;
    json_t *img = json_array_get(
        json_object_get(
            json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "properties"),
            "images"),
        0);
    json_t *sb = json_object_get(img, "sandbox");
    CHECK_STR(json_string_value(json_object_get(img, "image")), "oci:x:1");
    CHECK_STR(json_string_value(json_object_get(sb, "program")), "/bin/ping");
    CHECK_STR(json_string_value(json_object_get(sb, "user")), "1001:1001");
    CHECK_STR(json_string_value(json_array_get(json_object_get(sb, "needs_caps"), 0)),
              "cap_net_raw");
    json_decref(doc);
    free(s);
}

/* ---- the check table ---- */

/* The rows: one per id, each complete, ids numbered in report order. */
static void test_table(void)
{
    static const char *const report_order[] = {"root-user",
                                               "run-refused",
                                               "missing-entrypoint",
                                               "entrypoint-unrunnable",
                                               "workdir-inaccessible",
                                               "setuid-file",
                                               "setgid-file",
                                               "file-capability",
                                               "suspicious-tool",
                                               "device-file",
                                               "privileged-port",
                                               "secret-in-env",
                                               "world-writable",
                                               "unpinned-image",
                                               "scan-error"};
    size_t n = 0;
    for (; pc_checks[n]; n++) {
        const pc_check *k = pc_checks[n];
        CHECK(k->id && *k->id && k->help && *k->help);
        CHECK(strspn(k->id, "abcdefghijklmnopqrstuvwxyz-") == strlen(k->id));
        CHECK(pc_check_find(k->id) == k); /* unique */
        CHECK(pc_check_row(pc_check_id_parse(k->id)) == k);
        CHECK_STR(pc_check_id_name(pc_check_id_parse(k->id)), k->id);
        CHECK_STR(pc_check_id_help(pc_check_id_parse(k->id)), k->help);
        CHECK(k->ceiling >= PC_ACTION_WARN && k->ceiling <= PC_ACTION_DENY);
        CHECK(!k->node || (k->reads & PC_READS_FS)); /* a node callback reads the fs */
        CHECK(k->config || k->node || k->reads == 0);
    }
    CHECK(n == PC_CHK_COUNT);
    /* today's ids, listed in today's report order (report_order of each row) */
    CHECK(n == sizeof report_order / sizeof *report_order);
    for (size_t i = 0; i < n && i < sizeof report_order / sizeof *report_order; i++)
        CHECK_STR(pc_check_id_name((pc_check_id)i), report_order[i]);
    CHECK(pc_check_id_parse("no-such-check") == -1 && pc_check_id_parse(NULL) == -1);
    CHECK_STR(pc_check_id_name(PC_CHK_COUNT), "unknown");
    CHECK_STR(pc_check_id_help(-1), "");
    CHECK(PC_CHK_SCAN_ERROR == (pc_check_id)(n - 1));
}

static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The findings of r (those of check only, when not NULL) as sorted lines,
 * then the sandbox facts, one string. */
static char *canon(const pc_result *r, const char *check, int sandbox)
{
    char **lines = calloc(r->nfindings + 1, sizeof *lines);
    size_t n = 0, len = 1;
    CHECK(lines != NULL);
    for (size_t i = 0; lines && i < r->nfindings; i++) {
        const pc_finding *f = &r->findings[i];
        if (check && strcmp(f->check, check) != 0)
            continue;
        CHECK(asprintf(&lines[n], "%s|%s|%s|%s|%d|%s\n", f->check, f->path ? f->path : "-",
                       f->layer ? f->layer : "-", f->rule ? f->rule : "-", (int)f->action,
                       f->message) > 0);
        len += strlen(lines[n++]);
    }
    const pc_sandbox_info *sb = &r->sandbox;
    char facts[1024];
    int k = snprintf(facts, sizeof facts, "program %s user %s root %d caps",
                     sb->program ? sb->program : "-", sb->user ? sb->user : "-", sb->needs_root);
    for (size_t i = 0; i < sb->nneeds_caps && k > 0 && (size_t)k < sizeof facts; i++)
        k += snprintf(facts + k, sizeof facts - (size_t)k, " %s", sb->needs_caps[i]);
    for (size_t i = 0; i < sb->nprivileged_ports && k > 0 && (size_t)k < sizeof facts; i++)
        k += snprintf(facts + k, sizeof facts - (size_t)k, " port %u", sb->privileged_ports[i]);
    if (lines)
        qsort(lines, n, sizeof *lines, line_cmp);
    char *out = malloc(len + sizeof facts);
    CHECK(out != NULL);
    if (out) {
        out[0] = 0;
        for (size_t i = 0; i < n; i++)
            strcat(out, lines[i]);
        if (sandbox)
            strcat(out, facts);
    }
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    return out;
}

/* No check reads another's results: the table in reverse gives the same
 * findings and sandbox facts, and each row run alone gives exactly its
 * findings of the full run. */
static void independent(world *w, const char *config, const char *pol)
{
    const pc_check *rev[PC_CHK_COUNT + 1];
    size_t n = 0;
    while (pc_checks[n])
        n++;
    for (size_t i = 0; i < n; i++)
        rev[i] = pc_checks[n - 1 - i];
    rev[n] = NULL;
    run fwd, bwd;
    run_rows(&fwd, w, config, pol, "amd64", pc_checks);
    run_rows(&bwd, w, config, pol, "amd64", rev);
    char *a = canon(fwd.r, NULL, 1), *b = canon(bwd.r, NULL, 1);
    CHECK(a && b && strcmp(a, b) == 0);
    if (a && b && strcmp(a, b) != 0)
        fprintf(stderr, "forward:\n%s\nreverse:\n%s\n", a, b);
    for (size_t i = 0; i < n; i++) {
        const pc_check *one[] = {pc_checks[i], NULL};
        run x;
        run_rows(&x, w, config, pol, "amd64", one);
        char *alone = canon(x.r, NULL, 0), *in_all = canon(fwd.r, pc_checks[i]->id, 0);
        CHECK(alone && in_all && strcmp(alone, in_all) == 0);
        if (alone && in_all && strcmp(alone, in_all) != 0)
            fprintf(stderr, "%s alone:\n%s\nin the table:\n%s\n", pc_checks[i]->id, alone, in_all);
        free(alone);
        free(in_all);
        run_free(&x);
    }
    free(a);
    free(b);
    run_free(&fwd);
    run_free(&bwd);
}

static void test_independent(void)
{
    world w;
    pc_layer_facts more;
    pc_err e = {{0}};
    world_init(&w, 0);
    pc_layer_facts_init(&more);
    add(&more, PC_E_CHR, "dev/mem", 0600, 0, 0, NULL);
    add(&more, PC_E_DIR, "scratch", 0777, 0, 0, NULL);
    add(&more, PC_E_REG, "app/notes", 0666, 0, 0, NULL);
    add(&more, PC_E_REG, "usr/bin/wall", 02755, 0, 5, NULL);
    pc_entry *nc = add(&more, PC_E_REG, "usr/bin/nc", 0755, 0, 0, NULL);
    static pc_match m = {"netcat", "netcat", "a network tool", "high", "relay", NULL, NULL};
    nc->matches = &m;
    nc->nmatches = 1;
    CHECK(pc_fsview_apply(&w.v, &more, 1, &e) == 0);
    independent(&w,
                "{\"config\": {\"User\": \"app\", \"Entrypoint\": [\"/app/ping\"], \"WorkingDir\": "
                "\"/nonexistent\", \"ExposedPorts\": {\"80/tcp\": {}, \"53/udp\": {}}, \"Env\": "
                "[\"PASSWORD=hunter2\", \"PATH=/usr/bin\"]}}",
                RESTRICTED);
    independent(&w, "{\"config\": {\"WorkingDir\": \"/data\"}}", BASELINE);
    independent(&w,
                "{\"config\": {\"User\": \"nobody\", \"Cmd\": [\"/app/suid\"], \"WorkingDir\": "
                "\"/srv\"}}",
                BASELINE);
    independent(&w, "{\"config\": {\"User\": \"0\", \"Entrypoint\": [\"/app/run\"]}}", RESTRICTED);
    world_free(&w);
    pc_layer_facts_free(&more);
}

int main(void)
{
    test_user_forms();
    test_user_policy();
    test_perm_bits();
    test_walk();
    test_path_search();
    test_program_found();
    test_program_perms();
    test_program_heads();
    test_program_needed();
    test_program_privs();
    test_workdir();
    test_reports();
    test_table();
    test_independent();
    TEST_MAIN_END();
}

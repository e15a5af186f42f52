/*
 * gen.c — see gen.h. A generation's files are the policy (a path, or a
 * built-in name under the policies directory), the --exceptions file and
 * the rules (a file, or every file under the directory, at most
 * SIG_FILES of them, SIG_DEPTH deep). Their signature is the stat fields
 * that change on any replace or write (device, inode, size, both times),
 * so a ConfigMap update (an atomic symlink swap) shows at once. A file
 * included by the policy (extends, an exceptions file it names) is seen
 * when the policy file itself changes, as it does in a ConfigMap.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "gen.h"
#include "http/log.h"
#include "pcx.h"

#define SIG_FILES 10000
#define SIG_DEPTH 8

static void sig_file(pc_buf *b, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        pc_buf_printf(b, "%s:missing\n", path);
        return;
    }
    pc_buf_printf(b, "%s:%llu:%llu:%lld:%lld.%ld:%lld.%ld\n", path, (unsigned long long)st.st_dev,
                  (unsigned long long)st.st_ino, (long long)st.st_size,
                  (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
                  st.st_ctim.tv_nsec);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file under dir, in name order (readdir's order varies). */
static void sig_tree(pc_buf *b, const char *dir, int depth, size_t *count)
{
    DIR *d = depth < SIG_DEPTH ? opendir(dir) : NULL;
    if (!d) {
        sig_file(b, dir);
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) && *count < SIG_FILES) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        if (pc_grow((void **)&names, &cap, n + 1, sizeof *names) < 0 ||
            !(names[n] = pc_strdup(e->d_name))) {
            b->oom = 1; /* a signature that could not be made: no reload */
            break;
        }
        n++;
        (*count)++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *p = pc_asprintf("%s/%s", dir, names[i]);
        struct stat st;
        if (!p)
            b->oom = 1;
        else if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            sig_tree(b, p, depth + 1, count);
        else
            sig_file(b, p);
        free(p);
        free(names[i]);
    }
    free(names);
}

/* The signature of the files a context is built from; NULL when it could
 * not be made. */
static char *files_sig(const pc_options *po)
{
    pc_buf b = {0};
    size_t count = 0;
    const char *pol = po->policy ? po->policy : "restricted";
    if (pc_policy_is_file(pol))
        sig_file(&b, pol);
    else
        pc_buf_printf(&b, "builtin:%s\n", pol); /* shipped with the binary: never reloaded */
    if (po->exceptions)
        sig_file(&b, po->exceptions);
    if (po->rules)
        sig_tree(&b, po->rules, 0, &count);
    if (b.oom) {
        pc_buf_free(&b);
        return NULL;
    }
    return pc_buf_take(&b);
}

static wh_gen *gen_new(wh_server *s, const pc_options *po, char *err, size_t errlen)
{
    wh_gen *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (pc_ctx_new(po, &g->ctx, err, errlen) < 0) {
        free(g);
        return NULL;
    }
    if (s->redis)
        pc_ctx_set_facts_store(g->ctx, &s->facts_store);
    if (wh_verdicts_new(g->ctx, &s->cfg.scan, &s->metrics, &g->verdicts, err, errlen) < 0) {
        pc_ctx_free(g->ctx);
        free(g);
        return NULL;
    }
    if (s->vstore.get)
        wh_verdicts_set_store(g->verdicts, &s->vstore);
    return g;
}

int wh_gen_init(wh_server *s, const pc_options *po, char *err, size_t errlen)
{
    if (pthread_mutex_init(&s->gen_mu, NULL) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->gen_sig = files_sig(po);
    s->gen = gen_new(s, po, err, errlen);
    return s->gen ? 0 : -1;
}

wh_gen *wh_gen_get(wh_server *s)
{
    pthread_mutex_lock(&s->gen_mu);
    wh_gen *g = s->gen;
    if (g)
        g->refs++;
    pthread_mutex_unlock(&s->gen_mu);
    return g;
}

void wh_gen_put(wh_server *s, wh_gen *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&s->gen_mu);
    g->refs--;
    pthread_mutex_unlock(&s->gen_mu);
}

static void gen_free(wh_gen *g)
{
    wh_verdicts_free(g->verdicts);
    pc_ctx_free(g->ctx);
    free(g);
}

/* Free what no request holds and whose scans have ended. */
static void prune(wh_server *s)
{
    pthread_mutex_lock(&s->gen_mu);
    wh_gen **pp = &s->retired;
    while (*pp) {
        wh_gen *g = *pp;
        if (g->refs == 0 && wh_verdicts_stop(g->verdicts, 0) == 0) {
            *pp = g->next;
            pthread_mutex_unlock(&s->gen_mu);
            gen_free(g);
            pthread_mutex_lock(&s->gen_mu);
            pp = &s->retired;
            continue;
        }
        pp = &g->next;
    }
    pthread_mutex_unlock(&s->gen_mu);
}

void wh_gen_reload(wh_server *s, const pc_options *po)
{
    char err[1024];
    prune(s);
    char *sig = files_sig(po);
    if (!sig || (s->gen_sig && strcmp(sig, s->gen_sig) == 0) ||
        (s->gen_bad && strcmp(sig, s->gen_bad) == 0)) {
        free(sig);
        return;
    }
    wh_gen *g = gen_new(s, po, err, sizeof err);
    if (!g) {
        /* a broken edit: keep judging with the last good policy, say why once */
        wh_logf("warn", "policy: new files not loaded, still judging with policy %s: %s",
                s->gen ? pc_ctx_policy_digest(s->gen->ctx) : "(none)", err);
        wh_metrics_error(&s->metrics, WH_ERR_POLICY_RELOAD);
        free(s->gen_bad);
        s->gen_bad = sig;
        return;
    }
    pthread_mutex_lock(&s->gen_mu);
    wh_gen *old = s->gen;
    s->gen = g;
    if (old) {
        old->next = s->retired;
        s->retired = old;
    }
    pthread_mutex_unlock(&s->gen_mu);
    free(s->gen_sig);
    s->gen_sig = sig;
    atomic_fetch_add(&s->metrics.policy_reloads, 1);
    wh_logf("info", "policy: reloaded %s (policy_digest %s)", pc_ctx_policy_name(g->ctx),
            pc_ctx_policy_digest(g->ctx));
    prune(s);
}

int wh_gen_shutdown(wh_server *s, uint64_t wait_ms)
{
    int rc = 0;
    if (!s->gen && !s->retired) /* never set up */
        return 0;
    pthread_mutex_lock(&s->gen_mu);
    wh_gen *cur = s->gen;
    s->gen = NULL;
    if (cur) {
        cur->next = s->retired;
        s->retired = cur;
    }
    pthread_mutex_unlock(&s->gen_mu);
    for (wh_gen *g = s->retired; g; g = g->next)
        if (wh_verdicts_stop(g->verdicts, wait_ms) < 0)
            rc = -1;
    if (rc == 0) {
        while (s->retired) {
            wh_gen *g = s->retired;
            s->retired = g->next;
            gen_free(g);
        }
        free(s->gen_sig);
        free(s->gen_bad);
        s->gen_sig = s->gen_bad = NULL;
    }
    return rc;
}

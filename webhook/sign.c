/*
 * sign.c — see sign.h.
 *
 * A generation is one loaded key with its public PEM, reference counted:
 * a request takes a reference under the lock and signs without it, so a
 * reload never frees a key while a signature is being made with it. The
 * lock guards the current generation and the reload check. The file's
 * identity (device, inode, size, mtime, ctime: a Kubernetes Secret update
 * swaps a symlink, which changes the inode; a chmod changes the ctime) is
 * compared with the one loaded; a new identity is loaded, and one that
 * fails (unreadable, not Ed25519, readable by others) is remembered so the
 * failure is logged once, not once a second.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "filesig.h"
#include "log.h"
#include "sign.h"
#include "whutil.h"

typedef struct key_gen {
    _Atomic unsigned refs;
    pc_signer *signer;
    char *pub_pem;
} key_gen;

struct wh_signer {
    char *path;
    uint64_t ttl_s;
    wh_metrics *m;
    pthread_mutex_t mu;
    key_gen *cur;
    wh_filesig sig, bad_sig; /* of the key in service; of the last file that failed */
    uint64_t last_check_ms;
};

static void gen_unref(key_gen *g)
{
    if (g && atomic_fetch_sub(&g->refs, 1) == 1) {
        pc_signer_free(g->signer);
        free(g->pub_pem);
        free(g);
    }
}

static key_gen *gen_load(const char *path, char *err, size_t errlen)
{
    key_gen *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    atomic_init(&g->refs, 1);
    if (pc_signer_load(path, &g->signer, err, errlen) < 0) {
        free(g);
        return NULL;
    }
    if (!(g->pub_pem = pc_signer_public_pem(g->signer))) {
        snprintf(err, errlen, "out of memory");
        gen_unref(g);
        return NULL;
    }
    return g;
}

/* Under the lock. */
static void maybe_reload(wh_signer *s)
{
    uint64_t now = wh_now_ms();
    wh_filesig ks;
    char err[512];
    if (now - s->last_check_ms < 1000)
        return;
    s->last_check_ms = now;
    if (wh_filesig_of(s->path, &ks) < 0 || wh_filesig_eq(&ks, &s->sig))
        return; /* gone mid-rotation, or unchanged: keep signing with the key in service */
    key_gen *g = gen_load(s->path, err, sizeof err);
    if (!g) {
        if (!wh_filesig_eq(&ks, &s->bad_sig)) {
            wh_logf("warn", "sign: new signing key not loaded, still signing with the old one: %s",
                    err);
            wh_metrics_error(s->m, WH_ERR_SIGN_KEY_RELOAD);
        }
        s->bad_sig = ks;
        return;
    }
    gen_unref(s->cur);
    s->cur = g;
    s->sig = ks;
    atomic_fetch_add(&s->m->sign_key_reloads, 1);
    wh_logf("info", "sign: signing key reloaded from %s", s->path);
}

static key_gen *current(wh_signer *s)
{
    pthread_mutex_lock(&s->mu);
    maybe_reload(s);
    key_gen *g = s->cur;
    atomic_fetch_add(&g->refs, 1);
    pthread_mutex_unlock(&s->mu);
    return g;
}

int wh_signer_new(const char *path, uint64_t ttl_s, wh_metrics *m, wh_signer **out, char *err,
                  size_t errlen)
{
    char why[512];
    *out = NULL;
    wh_signer *s = calloc(1, sizeof *s);
    if (!s || pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->ttl_s = ttl_s;
    s->m = m;
    wh_filesig_of(path, &s->sig);
    if (!(s->path = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        wh_signer_free(s);
        return -1;
    }
    if (!(s->cur = gen_load(path, why, sizeof why))) {
        snprintf(err, errlen, "--sign-key: %s", why);
        wh_signer_free(s);
        return -1;
    }
    s->last_check_ms = wh_now_ms();
    *out = s;
    return 0;
}

void wh_signer_free(wh_signer *s)
{
    if (!s)
        return;
    gen_unref(s->cur);
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s);
}

char *wh_signer_sign(wh_signer *s, const pc_result *r, const char *image)
{
    char err[256];
    pc_result copy = *r; /* shallow: pc_result_sign reads the fields, writes attestation */
    copy.attestation = NULL;
    if (image)
        copy.image = (char *)image;
    key_gen *g = current(s);
    int rc = pc_result_sign(&copy, g->signer, s->ttl_s, err, sizeof err);
    gen_unref(g);
    if (rc < 0) {
        free(copy.attestation);
        return NULL;
    }
    return copy.attestation;
}

char *wh_signer_public_pem(wh_signer *s)
{
    key_gen *g = current(s);
    char *pem = wh_strdup(g->pub_pem);
    gen_unref(g);
    return pem;
}

/*
 * sign.c — see sign.h.
 *
 * The key lives in libportcullis's signing key process (pc_signer,
 * docs/privsep.md), started once, before anything untrusted is read; this
 * process asks it for signatures and the public key and never holds the
 * private key. Rotation: the file's identity (device, inode, size, mtime,
 * ctime: a Kubernetes Secret update swaps a symlink, which changes the
 * inode; a chmod changes the ctime) is compared, at most once a second
 * when the key is used, with the one loaded; a new identity makes the key
 * process read the file again. One that fails (unreadable, not Ed25519,
 * readable by others) keeps the old key in service and is remembered so
 * the failure is logged once, not once a second. The lock guards the
 * reload check; signing itself is serialised by the key process's socket.
 *
 * When the key process is gone, signing fails: the callers answer with an
 * error (fail closed), and its end is logged once.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "filesig.h"
#include "http/log.h"
#include "sign.h"
#include "pcx.h"

struct wh_signer {
    char *path;
    uint64_t ttl_s;
    wh_metrics *m;
    pc_signer *key; /* the key process's client end */
    pthread_mutex_t mu;
    wh_filesig sig, bad_sig; /* of the key in service; of the last file that failed */
    uint64_t last_check_ms;
    _Atomic int gone_logged;
};

/* Once the key process is gone: log it (once) and count it. */
static int alive(wh_signer *s)
{
    char why[256];
    if (pc_signer_alive(s->key, why, sizeof why))
        return 1;
    if (atomic_exchange(&s->gone_logged, 1) == 0) {
        wh_logf("error",
                "sign: %s; verdicts cannot be signed any more: requests that need a "
                "signature fail until the webhook is restarted",
                why);
        wh_metrics_error(s->m, WH_ERR_KEY_PROCESS);
    }
    return 0;
}

/* Under the lock. */
static void maybe_reload(wh_signer *s)
{
    uint64_t now = pc_now_ms();
    wh_filesig ks;
    char err[512];
    if (now - s->last_check_ms < 1000)
        return;
    s->last_check_ms = now;
    if (wh_filesig_of(s->path, &ks) < 0 || wh_filesig_eq(&ks, &s->sig))
        return; /* gone mid-rotation, or unchanged: keep signing with the key in service */
    if (wh_filesig_eq(&ks, &s->bad_sig))
        return; /* refused already; logged then */
    if (pc_signer_reload(s->key, err, sizeof err) < 0) {
        if (!alive(s))
            return;
        wh_logf("warn", "sign: new signing key not loaded, still signing with the old one: %s",
                err);
        wh_metrics_error(s->m, WH_ERR_SIGN_KEY_RELOAD);
        s->bad_sig = ks;
        return;
    }
    s->sig = ks;
    atomic_fetch_add(&s->m->sign_key_reloads, 1);
    wh_logf("info", "sign: signing key reloaded from %s", s->path);
}

static void check(wh_signer *s)
{
    pthread_mutex_lock(&s->mu);
    maybe_reload(s);
    pthread_mutex_unlock(&s->mu);
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
    if (pc_signer_load(path, &s->key, why, sizeof why) < 0) {
        snprintf(err, errlen, "--sign-key: %s", why);
        wh_signer_free(s);
        return -1;
    }
    s->last_check_ms = pc_now_ms();
    *out = s;
    return 0;
}

void wh_signer_free(wh_signer *s)
{
    if (!s)
        return;
    pc_signer_free(s->key);
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s);
}

char *wh_signer_sign(wh_signer *s, const pc_result *r, const char *image)
{
    char err[512];
    pc_result copy = *r; /* shallow: pc_result_sign reads the fields, writes attestation */
    copy.attestation = NULL;
    if (image)
        copy.image = (char *)image;
    check(s);
    if (pc_result_sign(&copy, s->key, s->ttl_s, err, sizeof err) < 0) {
        if (alive(s))
            wh_logf("error", "sign: %s", err);
        wh_metrics_error(s->m, WH_ERR_SIGN);
        free(copy.attestation);
        return NULL;
    }
    return copy.attestation;
}

char *wh_signer_public_pem(wh_signer *s)
{
    check(s);
    char *pem = pc_signer_public_pem(s->key);
    if (!pem)
        alive(s);
    return pem;
}

int wh_signer_alive(wh_signer *s)
{
    return alive(s);
}

long wh_signer_pid(const wh_signer *s)
{
    return pc_signer_pid(s->key);
}

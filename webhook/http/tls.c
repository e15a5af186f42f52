/*
 * tls.c — see tls.h.
 *
 * A "generation" is one loaded certificate chain with its key. The newest
 * is handed to every handshake. When the files' identity (device, inode,
 * size, mtime, ctime — a Kubernetes Secret update swaps a symlink, which
 * changes the inode) differs from what was loaded, the pair is read again;
 * a pair that does not load or does not match (the key file is often
 * written a moment after the certificate) keeps the old generation and is
 * tried again a second later, logged once. Old generations stay alive for
 * a grace period, because GnuTLS keeps using what the callback returned
 * until the handshake that asked for it is over; the header deadline
 * (--header-timeout, conns.c) bounds a handshake far below that grace.
 *
 * Neither the certificate nor the key file is opened here (only their
 * identity is looked at, with stat): the TLS key process (tlskey.h,
 * docs/privsep.md), forked by wh_tls_new, reads both on each load — the
 * certificate chain it hands over whole (wh_tlskey_cert), the key it
 * keeps and checks against the certificate; a generation's key is a
 * GnuTLS external key whose signatures that process makes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <gnutls/x509.h>
#include "conns.h"
#include "../filesig.h"
#include "log.h"
#include "tls.h"
#include "tlskey.h"
#include "pcx.h"

#define MAX_CHAIN 8
#define MAX_GENS WH_TLSKEY_GENS
#define GRACE_MS (10 * 60 * 1000)

typedef struct gen {
    gnutls_pcert_st pcert[MAX_CHAIN];
    unsigned npcert;
    gnutls_privkey_t key;
    uint64_t retired_ms; /* 0 while current */
    int64_t not_after;   /* the leaf's notAfter, Unix seconds (0: unreadable) */
} gen;

struct wh_tls {
    char *cert_file, *key_file;
    wh_tlskey *key; /* the key process */
    wh_metrics *m;
    pthread_mutex_t mu;
    gen *gens[MAX_GENS]; /* gens[ngens - 1] is current */
    unsigned ngens;
    wh_filesig cert_sig, key_sig;         /* of the current generation */
    wh_filesig bad_cert_sig, bad_key_sig; /* last pair that failed, logged once */
    uint64_t last_check_ms;
};

static void gen_free(gen *g)
{
    if (!g)
        return;
    for (unsigned i = 0; i < g->npcert; i++)
        gnutls_pcert_deinit(&g->pcert[i]);
    if (g->key)
        gnutls_privkey_deinit(g->key);
    free(g);
}

static int gen_parse(wh_tls *t, gen *g, char *cert, size_t clen, char *err, size_t errlen)
{
    gnutls_datum_t cd = {(unsigned char *)cert, (unsigned)clen};
    g->npcert = MAX_CHAIN;
    int rc = gnutls_pcert_list_import_x509_raw(g->pcert, &g->npcert, &cd, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0 || g->npcert == 0) {
        g->npcert = 0;
        snprintf(err, errlen, "certificate: %s", rc < 0 ? gnutls_strerror(rc) : "none found");
        return -1;
    }
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) == 0) {
        if (gnutls_x509_crt_import(crt, &g->pcert[0].cert, GNUTLS_X509_FMT_DER) == 0) {
            time_t na = gnutls_x509_crt_get_expiration_time(crt);
            g->not_after = na == (time_t)-1 ? 0 : (int64_t)na;
        }
        gnutls_x509_crt_deinit(crt);
    }
    /* the key process reads the key file and refuses one that does not
     * belong to the certificate */
    return wh_tlskey_load(t->key, g->pcert[0].pubkey, &g->key, err, errlen);
}

static gen *gen_load(wh_tls *t, char *err, size_t errlen)
{
    char *cert = NULL;
    size_t clen = 0;
    gen *g = calloc(1, sizeof *g);
    int rc = g ? 0 : -1;
    if (!g)
        snprintf(err, errlen, "out of memory");
    if (rc == 0) /* read by the key process (at most WH_TLSKEY_CERT_MAX bytes) */
        rc = wh_tlskey_cert(t->key, &cert, &clen, err, errlen);
    if (rc == 0)
        rc = gen_parse(t, g, cert, clen, err, errlen);
    free(cert);
    if (rc < 0) {
        gen_free(g);
        return NULL;
    }
    return g;
}

/* Drop generations retired longer ago than the grace period. */
static void prune(wh_tls *t, uint64_t now)
{
    unsigned k = 0;
    for (unsigned i = 0; i < t->ngens; i++) {
        gen *g = t->gens[i];
        if (g->retired_ms && now - g->retired_ms > GRACE_MS)
            gen_free(g);
        else
            t->gens[k++] = g;
    }
    t->ngens = k;
}

/* Under the lock. */
static void maybe_reload(wh_tls *t)
{
    uint64_t now = pc_now_ms();
    wh_filesig cs, ks;
    char err[512];
    if (now - t->last_check_ms < 1000)
        return;
    t->last_check_ms = now;
    if (wh_filesig_of(t->cert_file, &cs) < 0 || wh_filesig_of(t->key_file, &ks) < 0)
        return; /* mid-rotation: keep serving the old pair */
    if (wh_filesig_eq(&cs, &t->cert_sig) && wh_filesig_eq(&ks, &t->key_sig))
        return;
    prune(t, now);
    if (t->ngens >= MAX_GENS)
        return; /* rotating faster than the grace period: try later */
    gen *g = gen_load(t, err, sizeof err);
    if (!g) {
        if (!wh_filesig_eq(&cs, &t->bad_cert_sig) || !wh_filesig_eq(&ks, &t->bad_key_sig)) {
            wh_logf("warn", "tls: new certificate files not loaded, still serving the old ones: %s",
                    err);
            wh_metrics_error(t->m, WH_ERR_TLS_RELOAD);
        }
        t->bad_cert_sig = cs;
        t->bad_key_sig = ks;
        return;
    }
    t->gens[t->ngens - 1]->retired_ms = now;
    t->gens[t->ngens++] = g;
    t->cert_sig = cs;
    t->key_sig = ks;
    atomic_fetch_add(&t->m->tls_reloads, 1);
    wh_logf("info", "tls: serving certificate reloaded from %s", t->cert_file);
}

int wh_tls_new(const char *cert_file, const char *key_file, wh_metrics *m, wh_tls **out, char *err,
               size_t errlen)
{
    *out = NULL;
    wh_tls *t = calloc(1, sizeof *t);
    if (!t || pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->m = m;
    t->cert_file = strdup(cert_file);
    t->key_file = strdup(key_file);
    wh_filesig_of(cert_file, &t->cert_sig);
    wh_filesig_of(key_file, &t->key_sig);
    if (!t->cert_file || !t->key_file) {
        snprintf(err, errlen, "out of memory");
        wh_tls_free(t);
        return -1;
    }
    char why[512];
    if (wh_tlskey_start(cert_file, key_file, &t->key, why, sizeof why) < 0) {
        snprintf(err, errlen, "--tls-key %s: %s", key_file, why);
        wh_tls_free(t);
        return -1;
    }
    gen *g = gen_load(t, why, sizeof why);
    if (!g) {
        snprintf(err, errlen, "--tls-cert %s / --tls-key %s: %s", cert_file, key_file, why);
        wh_tls_free(t);
        return -1;
    }
    t->gens[t->ngens++] = g;
    t->last_check_ms = pc_now_ms();
    *out = t;
    return 0;
}

void wh_tls_free(wh_tls *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < t->ngens; i++)
        gen_free(t->gens[i]); /* before the key process: each drops its generation there */
    wh_tlskey_stop(t->key);
    pthread_mutex_destroy(&t->mu);
    free(t->cert_file);
    free(t->key_file);
    free(t);
}

int wh_tls_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                         const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                         gnutls_pcert_st **pcert, unsigned int *pcert_length,
                         gnutls_privkey_t *pkey)
{
    wh_tls *t = wh_conn_tls(gnutls_session_get_ptr(session));
    if (!t)
        return -1;
    pthread_mutex_lock(&t->mu);
    maybe_reload(t);
    gen *g = t->gens[t->ngens - 1];
    *pcert = g->pcert;
    *pcert_length = g->npcert;
    *pkey = g->key;
    pthread_mutex_unlock(&t->mu);
    return 0;
}

int64_t wh_tls_not_after(wh_tls *t)
{
    pthread_mutex_lock(&t->mu);
    maybe_reload(t); /* what the next handshake will serve */
    int64_t na = t->gens[t->ngens - 1]->not_after;
    pthread_mutex_unlock(&t->mu);
    return na;
}

int wh_tls_client_verified(struct MHD_Connection *c)
{
    gnutls_session_t s = wh_tls_session(c);
    unsigned status = 0, n = 0;
    if (!s || !gnutls_certificate_get_peers(s, &n) || n == 0)
        return -1;
    if (gnutls_certificate_verify_peers2(s, &status) < 0 || status != 0)
        return -1;
    return 0;
}

int wh_tls_send_last(struct MHD_Connection *c, const char *buf, size_t len)
{
    gnutls_session_t s = wh_tls_session(c);
    size_t off = 0;
    while (s && off < len) {
        ssize_t n = gnutls_record_send(s, buf + off, len - off);
        if (n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n <= 0)
            return -1; /* GNUTLS_E_AGAIN included: a client that does not read gets nothing */
        off += (size_t)n;
    }
    return s ? 0 : -1;
}

int wh_tls_alive(wh_tls *t, char *why, size_t whylen)
{
    return wh_tlskey_alive(t->key, why, whylen);
}

long wh_tls_key_pid(const wh_tls *t)
{
    return wh_tlskey_pid(t->key);
}

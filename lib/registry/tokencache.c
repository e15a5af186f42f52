/*
 * tokencache.c — the context's Bearer tokens (tokencache.h).
 *
 * A key is the length-prefixed join of its parts (host, realm, service,
 * scope, credential id), so no part can run into the next. At most
 * TOKENS_MAX tokens and HINTS_MAX challenges are kept: a new token takes
 * the place of an expired one, else of the one that ends first; a new
 * host's challenge takes the oldest's place.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "registry/tokencache.h"
#include "pcx/sha256.h"
#include "pcx.h"

#define TOKENS_MAX 64
#define HINTS_MAX 32

typedef struct token {
    char *key, *header;
    uint64_t expires_ms;
} token;

typedef struct hint {
    char *host;
    pc_auth_hint h;
    uint64_t when;
} hint;

struct pc_tokencache {
    pthread_mutex_t mu;
    unsigned char salt[32];
    token toks[TOKENS_MAX];
    hint hints[HINTS_MAX];
    uint64_t tick;
};

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static void token_clear(token *k)
{
    free(k->key);
    wipe_free(k->header);
    memset(k, 0, sizeof *k);
}

pc_tokencache *pc_tokencache_new(void)
{
    pc_tokencache *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (getrandom(t->salt, sizeof t->salt, 0) != (ssize_t)sizeof t->salt) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->mu, NULL);
    return t;
}

void pc_tokencache_free(pc_tokencache *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < TOKENS_MAX; i++)
        token_clear(&t->toks[i]);
    for (size_t i = 0; i < HINTS_MAX; i++)
        free(t->hints[i].host);
    explicit_bzero(t->salt, sizeof t->salt);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

int pc_tokencache_cred_id(const pc_tokencache *t, const char *kind, const char *user,
                          const char *secret, char out[72])
{
    if (!secret) {
        snprintf(out, 72, "anonymous");
        return 0;
    }
    pc_sha256 *h = pc_sha256_new();
    if (!h)
        return -1;
    pc_sha256_update(h, t->salt, sizeof t->salt);
    pc_sha256_update(h, kind, strlen(kind) + 1);
    pc_sha256_update(h, user ? user : "", strlen(user ? user : "") + 1);
    pc_sha256_update(h, secret, strlen(secret) + 1);
    char d[72];
    pc_sha256_final(h, d);
    pc_sha256_free(h);
    snprintf(out, 72, "%s", d + 7);
    return 0;
}

/* --- challenges --- */

int pc_tokencache_hint(pc_tokencache *t, const char *host, pc_auth_hint *out)
{
    int rc = -1;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < HINTS_MAX; i++)
        if (t->hints[i].host && strcmp(t->hints[i].host, host) == 0) {
            *out = t->hints[i].h;
            rc = 0;
            break;
        }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

void pc_tokencache_set_hint(pc_tokencache *t, const char *host, const pc_auth_hint *h)
{
    pthread_mutex_lock(&t->mu);
    size_t slot = HINTS_MAX;
    for (size_t i = 0; i < HINTS_MAX && slot == HINTS_MAX; i++)
        if (t->hints[i].host && strcmp(t->hints[i].host, host) == 0)
            slot = i;
    if (slot == HINTS_MAX) {
        slot = 0;
        for (size_t i = 0; i < HINTS_MAX; i++)
            if (!t->hints[i].host || t->hints[i].when < t->hints[slot].when)
                slot = i;
        free(t->hints[slot].host);
        t->hints[slot].host = pc_strdup(host);
    }
    if (t->hints[slot].host) {
        t->hints[slot].h = *h;
        t->hints[slot].when = ++t->tick;
    }
    pthread_mutex_unlock(&t->mu);
}

/* --- tokens --- */

static char *key_of(const char *host, const char *realm, const char *service, const char *scope,
                    const char *cred_id)
{
    return pc_asprintf("%zu:%s%zu:%s%zu:%s%zu:%s%zu:%s", strlen(host), host, strlen(realm), realm,
                       strlen(service), service, strlen(scope), scope, strlen(cred_id), cred_id);
}

char *pc_tokencache_get(pc_tokencache *t, const char *host, const char *realm, const char *service,
                        const char *scope, const char *cred_id)
{
    char *key = key_of(host, realm, service, scope, cred_id), *h = NULL;
    if (!key)
        return NULL;
    uint64_t now = pc_now_ms();
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < TOKENS_MAX; i++) {
        token *k = &t->toks[i];
        if (!k->key || strcmp(k->key, key) != 0)
            continue;
        if (k->expires_ms > now)
            h = pc_strdup(k->header);
        else
            token_clear(k); /* expired: never sent again */
        break;
    }
    pthread_mutex_unlock(&t->mu);
    free(key);
    return h;
}

void pc_tokencache_put(pc_tokencache *t, const char *host, const char *realm, const char *service,
                       const char *scope, const char *cred_id, char *header, uint64_t expires_ms)
{
    char *key = key_of(host, realm, service, scope, cred_id);
    if (!key) {
        wipe_free(header);
        return;
    }
    uint64_t now = pc_now_ms();
    pthread_mutex_lock(&t->mu);
    size_t slot = TOKENS_MAX;
    for (size_t i = 0; i < TOKENS_MAX && slot == TOKENS_MAX; i++)
        if (t->toks[i].key && strcmp(t->toks[i].key, key) == 0)
            slot = i; /* the same key: the newer token replaces it */
    for (size_t i = 0; i < TOKENS_MAX && slot == TOKENS_MAX; i++)
        if (!t->toks[i].key || t->toks[i].expires_ms <= now)
            slot = i;
    if (slot == TOKENS_MAX) {
        slot = 0;
        for (size_t i = 1; i < TOKENS_MAX; i++)
            if (t->toks[i].expires_ms < t->toks[slot].expires_ms)
                slot = i;
    }
    token_clear(&t->toks[slot]);
    t->toks[slot].key = key;
    t->toks[slot].header = header;
    t->toks[slot].expires_ms = expires_ms;
    pthread_mutex_unlock(&t->mu);
}

void pc_tokencache_drop(pc_tokencache *t, const char *header)
{
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < TOKENS_MAX; i++)
        if (t->toks[i].key && strcmp(t->toks[i].header, header) == 0)
            token_clear(&t->toks[i]);
    pthread_mutex_unlock(&t->mu);
}

size_t pc_tokencache_count(pc_tokencache *t)
{
    size_t n = 0;
    uint64_t now = pc_now_ms();
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < TOKENS_MAX; i++)
        n += t->toks[i].key && t->toks[i].expires_ms > now;
    pthread_mutex_unlock(&t->mu);
    return n;
}

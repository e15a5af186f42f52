/*
 * tokencache.h — Bearer tokens for the lifetime of a context (pc_ctx owns
 * one), so the scans of a CLI run and the requests of a webhook
 * generation reuse a token until it expires.
 *
 * A token is found by everything that made it: the registry host it is
 * for (as requests reach it), the realm and service of that host's
 * challenge, the scope, and who asked (a credential id: a salted SHA-256
 * of the credentials, never the secret; the salt is random per cache, so
 * the id cannot be tested against guesses elsewhere). It is kept until
 * shortly before its expires_in ends. The last Bearer (or Basic) challenge
 * of each host is kept too, so a later scan can send the token it has
 * before being asked. Safe for any number of threads. Tokens are wiped
 * when dropped.
 */
#ifndef PC_TOKENCACHE_H
#define PC_TOKENCACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct pc_tokencache pc_tokencache;

/* NULL when out of memory (or no random salt could be read). */
pc_tokencache *pc_tokencache_new(void);
void pc_tokencache_free(pc_tokencache *t);

/* The id of a credential (kind: "basic", "identity"): "anonymous" when
 * secret is NULL, else 64 hex digits. -1 when out of memory. */
int pc_tokencache_cred_id(const pc_tokencache *t, const char *kind, const char *user,
                          const char *secret, char out[72]);

typedef struct pc_auth_hint {
    int basic; /* the host asked for Basic */
    char realm[1024], service[256];
} pc_auth_hint;

/* The last challenge host answered with: 0 found, -1 none. */
int pc_tokencache_hint(pc_tokencache *t, const char *host, pc_auth_hint *out);
void pc_tokencache_set_hint(pc_tokencache *t, const char *host, const pc_auth_hint *h);

/* The "Bearer ..." header kept for the key, malloc'd; NULL when none is
 * kept or it expired (at pc_now_ms() >= its end). */
char *pc_tokencache_get(pc_tokencache *t, const char *host, const char *realm, const char *service,
                        const char *scope, const char *cred_id);
/* Keep header (moved in: freed here on every path) until expires_ms. */
void pc_tokencache_put(pc_tokencache *t, const char *host, const char *realm, const char *service,
                       const char *scope, const char *cred_id, char *header, uint64_t expires_ms);
/* Forget the token whose header this is (a registry refused it); one
 * that replaced it meanwhile is kept. */
void pc_tokencache_drop(pc_tokencache *t, const char *header);

/* How many tokens are kept (tests). */
size_t pc_tokencache_count(pc_tokencache *t);

#endif

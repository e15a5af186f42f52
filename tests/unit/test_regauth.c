/*
 * test_regauth.c — WWW-Authenticate parsing, the input a registry (or
 * anything posing as one) controls: Bearer and Basic challenges, several
 * in one header, quoted strings with escapes and commas, unknown
 * parameters, and hostile values (unterminated, over-long) that must
 * spoil only their own challenge. Then the token cache (tokencache.c) a
 * context keeps: a token is found only by every part of its key (host,
 * realm, service, scope, credential id), ends at its expiry, and a refused
 * one is dropped; credential ids are salted hashes, never the secret.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "pcx.h"
#include "regauth.h"
#include "testlib.h"
#include "tokencache.h"

/* One challenge per header: every field as parsed ("" when absent). */
static void test_bearer(void)
{
    static const struct {
        const char *header, *scheme, *realm, *service, *scope;
    } rows[] = {
        {"Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
         "scope=\"repository:library/nginx:pull\"",
         "bearer", "https://auth.docker.io/token", "registry.docker.io",
         "repository:library/nginx:pull"},
        {"BEARER  realm = \"https://a/t\" , error=\"invalid_token\", "
         "scope=\"repository:a/b:pull,push\"",
         "bearer", "https://a/t", "", "repository:a/b:pull,push"},
        {"Bearer realm=https://a/t,service=reg", "bearer", "https://a/t", "reg", ""},
        {"Bearer realm=\"https://a/t?x=\\\"q\\\"\"", "bearer", "https://a/t?x=\"q\"", "", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pc_challenge c[4];
        CHECK(pc_www_authenticate_parse(rows[i].header, c, 4) == 1);
        CHECK_STR(c[0].scheme, rows[i].scheme);
        CHECK_STR(c[0].realm, rows[i].realm);
        CHECK_STR(c[0].service, rows[i].service);
        CHECK_STR(c[0].scope, rows[i].scope);
    }
}

static void test_several(void)
{
    pc_challenge c[4];
    size_t n = pc_www_authenticate_parse(
        "Basic realm=\"Registry Realm\", Bearer realm=\"https://t/x\",service=\"s\"", c, 4);
    CHECK(n == 2);
    CHECK_STR(c[0].scheme, "basic");
    CHECK_STR(c[0].realm, "Registry Realm");
    CHECK_STR(c[1].scheme, "bearer");
    CHECK_STR(c[1].realm, "https://t/x");
    CHECK_STR(c[1].service, "s");

    n = pc_www_authenticate_parse("Negotiate, Basic realm=\"r\"", c, 4);
    CHECK(n == 2);
    CHECK_STR(c[0].scheme, "negotiate");
    CHECK_STR(c[1].scheme, "basic");

    n = pc_www_authenticate_parse("Basic realm=\"a\", Basic realm=\"b\", Basic realm=\"c\"", c, 2);
    CHECK(n == 2); /* never more than asked for */
    CHECK(pc_www_authenticate_parse("", c, 4) == 0);
    CHECK(pc_www_authenticate_parse(" , ,", c, 4) == 0);
}

static void test_hostile(void)
{
    pc_challenge c[4];
    char big[3000];
    size_t n = pc_www_authenticate_parse("Bearer realm=\"https://a/t", c, 4);
    CHECK(n == 1);
    CHECK_STR(c[0].scheme, ""); /* unterminated: unusable */

    memset(big, 'x', sizeof big);
    memcpy(big, "Bearer realm=\"", 14);
    memcpy(big + sizeof big - 40, "\", Basic realm=\"ok\"", 20);
    n = pc_www_authenticate_parse(big, c, 4);
    CHECK(n == 2);
    CHECK_STR(c[0].scheme, ""); /* too long: spoilt */
    CHECK(strlen(c[0].realm) < sizeof c[0].realm);
    CHECK_STR(c[1].scheme, "basic");
    CHECK_STR(c[1].realm, "ok");

    n = pc_www_authenticate_parse("Bearer realm=\"x\\", c, 4);
    CHECK(n == 1 && c[0].scheme[0] == 0);
    n = pc_www_authenticate_parse("=\"x\"", c, 4);
    CHECK(n == 0);
}

static char *dup(const char *s)
{
    char *d = pc_strdup(s);
    CHECK(d != NULL);
    return d;
}

static int found(pc_tokencache *t, const char *host, const char *realm, const char *svc,
                 const char *scope, const char *id, const char *want)
{
    char *h = pc_tokencache_get(t, host, realm, svc, scope, id);
    int ok = want ? h && strcmp(h, want) == 0 : h == NULL;
    free(h);
    return ok;
}

static void test_tokencache(void)
{
    pc_tokencache *t = pc_tokencache_new(), *t2 = pc_tokencache_new();
    CHECK(t != NULL && t2 != NULL);
    if (!t || !t2)
        return;
    char alice[72], alice2[72], bob[72], anon[72], other[72];
    CHECK(pc_tokencache_cred_id(t, "basic", "alice", "s3cret", alice) == 0);
    CHECK(pc_tokencache_cred_id(t, "basic", "alice", "s3cret", alice2) == 0);
    CHECK(pc_tokencache_cred_id(t, "basic", "alice", "other", bob) == 0);
    CHECK(pc_tokencache_cred_id(t, "basic", "", NULL, anon) == 0);
    CHECK(pc_tokencache_cred_id(t2, "basic", "alice", "s3cret", other) == 0);
    CHECK_STR(alice, alice2);         /* the same credentials: the same id */
    CHECK(strcmp(alice, bob) != 0);   /* another password: another id */
    CHECK(strcmp(alice, other) != 0); /* salted per cache */
    CHECK(strstr(alice, "s3cret") == NULL && strlen(alice) == 64);
    CHECK_STR(anon, "anonymous");

    uint64_t later = pc_now_ms() + 60000;
    pc_tokencache_put(t, "r:5000", "https://a/t", "svc", "repository:x:pull", alice,
                      dup("Bearer one"), later);
    CHECK(found(t, "r:5000", "https://a/t", "svc", "repository:x:pull", alice, "Bearer one"));
    /* every part of the key counts */
    CHECK(found(t, "r:5001", "https://a/t", "svc", "repository:x:pull", alice, NULL));
    CHECK(found(t, "r:5000", "https://b/t", "svc", "repository:x:pull", alice, NULL));
    CHECK(found(t, "r:5000", "https://a/t", "svc2", "repository:x:pull", alice, NULL));
    CHECK(found(t, "r:5000", "https://a/t", "svc", "repository:y:pull", alice, NULL));
    CHECK(found(t, "r:5000", "https://a/t", "svc", "repository:x:pull", bob, NULL));
    CHECK(found(t, "r:5000", "https://a/t", "svc", "repository:x:pull", anon, NULL));
    /* parts cannot run into each other */
    CHECK(found(t, "r:5000h", "ttps://a/t", "svc", "repository:x:pull", alice, NULL));

    /* a newer token for the key replaces it; a refused one is dropped, but
     * only when it is still the kept one */
    pc_tokencache_put(t, "r:5000", "https://a/t", "svc", "repository:x:pull", alice,
                      dup("Bearer two"), later);
    CHECK(found(t, "r:5000", "https://a/t", "svc", "repository:x:pull", alice, "Bearer two"));
    pc_tokencache_drop(t, "Bearer one");
    CHECK(found(t, "r:5000", "https://a/t", "svc", "repository:x:pull", alice, "Bearer two"));
    pc_tokencache_drop(t, "Bearer two");
    CHECK(found(t, "r:5000", "https://a/t", "svc", "repository:x:pull", alice, NULL));
    CHECK(pc_tokencache_count(t) == 0);

    /* an expired token is never given */
    pc_tokencache_put(t, "r:5000", "https://a/t", "svc", "s", alice, dup("Bearer old"),
                      pc_now_ms() - 1);
    CHECK(found(t, "r:5000", "https://a/t", "svc", "s", alice, NULL));

    /* bounded: many keys, the live ones kept at most 64 */
    for (int i = 0; i < 200; i++) {
        char scope[32];
        snprintf(scope, sizeof scope, "repository:r%d:pull", i);
        pc_tokencache_put(t, "r:5000", "https://a/t", "svc", scope, alice, dup("Bearer x"), later);
    }
    CHECK(pc_tokencache_count(t) == 64);

    /* the last challenge per host */
    pc_auth_hint h = {.basic = 0}, got;
    CHECK(pc_tokencache_hint(t, "r:5000", &got) < 0);
    snprintf(h.realm, sizeof h.realm, "https://a/t");
    snprintf(h.service, sizeof h.service, "svc");
    pc_tokencache_set_hint(t, "r:5000", &h);
    CHECK(pc_tokencache_hint(t, "r:5000", &got) == 0 && !got.basic);
    CHECK_STR(got.realm, "https://a/t");
    CHECK(pc_tokencache_hint(t, "r:5001", &got) < 0);
    h.basic = 1;
    pc_tokencache_set_hint(t, "r:5000", &h);
    CHECK(pc_tokencache_hint(t, "r:5000", &got) == 0 && got.basic);
    pc_tokencache_free(t);
    pc_tokencache_free(t2);
}

int main(void)
{
    test_bearer();
    test_several();
    test_hostile();
    test_tokencache();
    TEST_MAIN_END();
}

/*
 * test_regauth.c — WWW-Authenticate parsing, the input a registry (or
 * anything posing as one) controls: Bearer and Basic challenges, several
 * in one header, quoted strings with escapes and commas, unknown
 * parameters, and hostile values (unterminated, over-long) that must
 * spoil only their own challenge.
 */
#include <stdio.h>
#include <string.h>
#include "regauth.h"
#include "testlib.h"

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

int main(void)
{
    test_bearer();
    test_several();
    test_hostile();
    TEST_MAIN_END();
}

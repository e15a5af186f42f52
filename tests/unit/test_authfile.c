/*
 * test_authfile.c — registry credentials from docker config.json: auths
 * entries ("auth" base64, username/password, identitytoken) found under
 * every key form docker writes, credHelpers and credsStore answered by
 * helper scripts written to a temporary directory on PATH (found, not
 * found, failing, garbage; names that are paths refused), the default file
 * locations, base64, and that no message ever contains a secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "authfile.h"
#include "testfile.h"
#include "testlib.h"

static char T[256];
static const char SECRET[] = "hunter2-S3cret";

static void write_file(const char *name, const char *text, int exec)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", T, name);
    write_bytes(path, text, strlen(text));
    if (exec)
        chmod(path, 0755);
}

/* lookup over json for host: the return code, and the creds when found */
static int lookup(const char *json, const char *host, pc_creds *c, pc_err *e)
{
    return pc_authfile_lookup_json(json, strlen(json), "config.json", host, c, e);
}

static void expect(const char *json, const char *host, const char *user, const char *secret)
{
    pc_creds c;
    pc_err e = {{0}};
    int rc = lookup(json, host, &c, &e);
    if (rc != 0)
        fprintf(stderr, "lookup %s in %s: rc %d %s\n", host, json, rc, e.msg);
    CHECK(rc == 0);
    CHECK_STR(c.username, user);
    CHECK_STR(c.secret, secret);
    pc_creds_free(&c);
}

static void expect_none(const char *json, const char *host)
{
    pc_creds c;
    pc_err e = {{0}};
    CHECK(lookup(json, host, &c, &e) == 1);
    CHECK(c.username == NULL && c.secret == NULL);
}

static void expect_err(const char *json, const char *host, const char *why)
{
    pc_creds c;
    pc_err e = {{0}};
    CHECK(lookup(json, host, &c, &e) == -1);
    CHECK_CONTAINS(e.msg, why);
    CHECK(strstr(e.msg, SECRET) == NULL);
}

static void test_base64(void)
{
    char *enc = pc_base64_encode("user:pass", 9), *dec = NULL;
    size_t n = 0;
    CHECK_STR(enc, "dXNlcjpwYXNz");
    CHECK(pc_base64_decode(enc, strlen(enc), &dec, &n) == 0);
    CHECK(n == 9 && memcmp(dec, "user:pass", 9) == 0);
    free(enc);
    free(dec);
    const char *in[] = {"", "a", "ab", "abc", "abcd", "abcde"};
    const char *out[] = {"", "YQ==", "YWI=", "YWJj", "YWJjZA==", "YWJjZGU="};
    for (int i = 0; i < 6; i++) {
        enc = pc_base64_encode(in[i], strlen(in[i]));
        CHECK_STR(enc, out[i]);
        CHECK(pc_base64_decode(enc, strlen(enc), &dec, &n) == 0);
        CHECK_STR(dec, in[i]);
        free(enc);
        free(dec);
    }
    CHECK(pc_base64_decode("YWJj", 4, &dec, &n) == 0 && n == 3);
    free(dec);
    CHECK(pc_base64_decode("YW", 2, &dec, &n) == 0 && n == 1); /* unpadded is accepted */
    free(dec);
    CHECK(pc_base64_decode("Y", 1, &dec, &n) == -1);
    CHECK(pc_base64_decode("YW*j", 4, &dec, &n) == -1);
}

static void test_auths(void)
{
    char json[1024], *b64 = pc_base64_encode("alice:hunter2-S3cret", 20);
    snprintf(json, sizeof json, "{\"auths\": {\"r.io:5000\": {\"auth\": \"%s\"}}}", b64);
    expect(json, "r.io:5000", "alice", SECRET);
    expect_none(json, "r.io"); /* another port is another registry */
    expect_none(json, "r.io:50000");
    snprintf(json, sizeof json, "{\"auths\": {\"https://r.io:5000/v1/\": {\"auth\": \"%s\"}}}",
             b64);
    expect(json, "r.io:5000", "alice", SECRET);
    snprintf(json, sizeof json,
             "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"%s\"}}}", b64);
    expect(json, "docker.io", "alice", SECRET);
    snprintf(json, sizeof json, "{\"auths\": {\"registry-1.docker.io\": {\"auth\": \"%s\"}}}", b64);
    expect(json, "docker.io", "alice", SECRET);
    /* an exact key wins over a looser one */
    snprintf(json, sizeof json,
             "{\"auths\": {\"http://r.io/\": {\"username\": \"bob\", \"password\": \"x\"}, "
             "\"r.io\": {\"auth\": \"%s\"}}}",
             b64);
    expect(json, "r.io", "alice", SECRET);
    free(b64);
    expect("{\"auths\": {\"r.io\": {\"username\": \"bob\", \"password\": \"pw:with:colons\"}}}",
           "r.io", "bob", "pw:with:colons");
    b64 = pc_base64_encode("carol:a:b", 9);
    snprintf(json, sizeof json, "{\"auths\": {\"r.io\": {\"auth\": \"%s\"}}}", b64);
    expect(json, "r.io", "carol", "a:b"); /* split at the first ':' */
    free(b64);

    pc_creds c;
    pc_err e;
    CHECK(lookup("{\"auths\": {\"r.io\": {\"identitytoken\": \"refresh-tok\"}}}", "r.io", &c, &e) ==
          0);
    CHECK(c.identity_token == 1);
    CHECK_STR(c.secret, "refresh-tok");
    pc_creds_free(&c);
    CHECK(c.secret == NULL);

    expect_none("{\"auths\": {\"r.io\": {}}}", "r.io");
    expect_none("{\"auths\": {\"r.io\": {\"auth\": \"\"}}}", "r.io");
    expect_none("{}", "r.io");
    expect_none("{\"auths\": {}}", "docker.io");
}

static void test_bad_files(void)
{
    char json[512], *b64 = pc_base64_encode(SECRET, strlen(SECRET)); /* no ':' */
    snprintf(json, sizeof json, "{\"auths\": {\"r.io\": {\"auth\": \"%s\"}}}", b64);
    expect_err(json, "r.io", "not base64 of user:password");
    free(b64);
    expect_err("{\"auths\": {\"r.io\": {\"auth\": \"@@@hunter2-S3cret\"}}}", "r.io",
               "not valid base64");
    expect_err("{\"auths\": {\"r.io\": {\"auth\": 12}}}", "r.io", "must be strings");
    expect_err("{\"auths\": {\"r.io\": \"hunter2-S3cret\"}}", "r.io", "must be an object");
    expect_err("{\"auths\": []}", "r.io", "auths must be an object");
    expect_err("[1, 2]", "r.io", "not a JSON object");
    expect_err("{\"auths\": ", "r.io", "config.json");
    expect_err("{\"credsStore\": 5}", "r.io", "credsStore must be a string");
    expect_err("{\"credHelpers\": {\"r.io\": \"../../bin/sh\"}}", "r.io", "credential helper name");
}

static void test_helpers(void)
{
    pc_creds c;
    pc_err e = {{0}};
    write_file(
        "docker-credential-good",
        "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nread -r s\n"
        "case \"$s\" in\n"
        "  r.io) echo "
        "'{\"ServerURL\":\"r.io\",\"Username\":\"h\",\"Secret\":\"hunter2-S3cret\"}';;\n"
        "  https://index.docker.io/v1/) echo '{\"Username\":\"<token>\",\"Secret\":\"idtok\"}';;\n"
        "  *) echo 'credentials not found in native keychain'; exit 1;;\n"
        "esac\n",
        1);
    write_file("docker-credential-broken",
               "#!/bin/sh\necho 'cannot reach the keychain' >&1\nexit 4\n", 1);
    write_file("docker-credential-leaky",
               "#!/bin/sh\necho '{\"Username\":\"x\",\"Secret\":\"hunter2-S3cret\"'\nexit 2\n", 1);
    write_file("docker-credential-garbage", "#!/bin/sh\necho 'hello'\n", 1);

    CHECK(pc_credhelper_get("good", "r.io", &c, &e) == 0);
    CHECK_STR(c.username, "h");
    CHECK_STR(c.secret, SECRET);
    CHECK(c.identity_token == 0);
    pc_creds_free(&c);
    CHECK(pc_credhelper_get("good", "other.io", &c, &e) == 1);

    /* credHelpers beats auths; credsStore is the fallback; docker.io is asked by its v1 URL */
    expect("{\"auths\": {\"r.io\": {\"username\": \"a\", \"password\": \"b\"}}, "
           "\"credHelpers\": {\"r.io\": \"good\"}}",
           "r.io", "h", SECRET);
    expect("{\"auths\": {\"r.io\": {}}, \"credsStore\": \"good\"}", "r.io", "h", SECRET);
    expect("{\"auths\": {\"r.io\": {\"username\": \"a\", \"password\": \"b\"}}, "
           "\"credsStore\": \"good\"}",
           "r.io", "a", "b");
    CHECK(lookup("{\"credsStore\": \"good\"}", "docker.io", &c, &e) == 0);
    CHECK(c.identity_token == 1);
    CHECK_STR(c.secret, "idtok");
    pc_creds_free(&c);
    expect_none("{\"credsStore\": \"good\"}", "nowhere.io");

    CHECK(pc_credhelper_get("broken", "r.io", &c, &e) == -1);
    CHECK_CONTAINS(e.msg, "docker-credential-broken failed (exit 4): cannot reach the keychain");
    CHECK(pc_credhelper_get("leaky", "r.io", &c, &e) == -1);
    CHECK(strstr(e.msg, SECRET) == NULL); /* JSON from a failing helper is never echoed */
    CHECK(pc_credhelper_get("garbage", "r.io", &c, &e) == -1);
    CHECK_CONTAINS(e.msg, "answer is not");
    CHECK(pc_credhelper_get("absent", "r.io", &c, &e) == -1);
    CHECK_CONTAINS(e.msg, "docker-credential-absent");
    CHECK(pc_credhelper_get("a/b", "r.io", &c, &e) == -1);
    CHECK(pc_credhelper_get("", "r.io", &c, &e) == -1);
}

static void test_files(void)
{
    pc_creds c;
    pc_err e = {{0}};
    char path[512], home[512];
    snprintf(home, sizeof home, "%s/home", T);
    mkdir(home, 0700);
    setenv("HOME", home, 1);
    unsetenv("REGISTRY_AUTH_FILE");
    CHECK(pc_authfile_lookup(NULL, "r.io", &c, &e) == 1); /* no default file: anonymous */
    snprintf(path, sizeof path, "%s/nope.json", T);
    CHECK(pc_authfile_lookup(path, "r.io", &c, &e) == -1);
    CHECK_CONTAINS(e.msg, "nope.json");
    write_file("env.json", "{\"auths\": {\"r.io\": {\"username\": \"env\", \"password\": \"p\"}}}",
               0);
    snprintf(path, sizeof path, "%s/env.json", T);
    setenv("REGISTRY_AUTH_FILE", path, 1);
    CHECK(pc_authfile_lookup(NULL, "r.io", &c, &e) == 0);
    CHECK_STR(c.username, "env");
    pc_creds_free(&c);
    unsetenv("REGISTRY_AUTH_FILE");
    snprintf(path, sizeof path, "%s/home/.docker", T);
    mkdir(path, 0700);
    write_file("home/.docker/config.json",
               "{\"auths\": {\"r.io\": {\"username\": \"home\", \"password\": \"p\"}}}", 0);
    CHECK(pc_authfile_lookup(NULL, "r.io", &c, &e) == 0);
    CHECK_STR(c.username, "home");
    pc_creds_free(&c);
    write_file("explicit.json",
               "{\"auths\": {\"r.io\": {\"username\": \"x\", \"password\": \"y\"}}}", 0);
    snprintf(path, sizeof path, "%s/explicit.json", T);
    CHECK(pc_authfile_lookup(path, "r.io", &c, &e) == 0);
    CHECK_STR(c.username, "x");
    pc_creds_free(&c);
}

int main(void)
{
    snprintf(T, sizeof T, "%s/pc-authfile.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(T)) {
        perror("mkdtemp");
        return 1;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s:%s", T, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", path, 1);
    test_base64();
    test_auths();
    test_bad_files();
    test_helpers();
    test_files();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", T);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", T);
    TEST_MAIN_END();
}

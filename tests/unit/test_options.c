/*
 * test_options.c — pc_options_set, the scan options both tools parse the
 * same way: each flag sets its field, refused values leave a message
 * naming the flag and the value, names that are not scan options are
 * answered 1 and change nothing.
 */
#include <string.h>
#include "portcullis.h"
#include "testlib.h"

static void strings(void)
{
    pc_options o;
    char err[256];
    pc_options_init(&o);
    CHECK(pc_options_set(&o, "policy", "strict", err, sizeof err) == 0);
    CHECK(pc_options_set(&o, "rules", "r/", err, sizeof err) == 0);
    CHECK(pc_options_set(&o, "platform", "linux/arm64", err, sizeof err) == 0);
    CHECK(pc_options_set(&o, "authfile", "auth.json", err, sizeof err) == 0);
    CHECK(pc_options_set(&o, "cert-dir", "certs.d", err, sizeof err) == 0);
    CHECK(pc_options_set(&o, "cache-dir", "cache", err, sizeof err) == 0);
    CHECK_STR(o.policy, "strict");
    CHECK_STR(o.rules, "r/");
    CHECK_STR(o.platform, "linux/arm64");
    CHECK_STR(o.authfile, "auth.json");
    CHECK_STR(o.cert_dir, "certs.d");
    CHECK_STR(o.cache_dir, "cache");
    CHECK(pc_options_set(&o, "no-cache", NULL, err, sizeof err) == 0);
    CHECK(o.cache_dir == NULL);
}

static void values(void)
{
    pc_options o;
    char err[256];
    pc_options_init(&o);
    CHECK(o.tls_verify == 1);
    CHECK(pc_options_set(&o, "tls-verify", "false", err, sizeof err) == 0 && o.tls_verify == 0);
    CHECK(pc_options_set(&o, "tls-verify", "true", err, sizeof err) == 0 && o.tls_verify == 1);
    CHECK(pc_options_set(&o, "jobs", "1", err, sizeof err) == 0 && o.jobs == 1);
    CHECK(pc_options_set(&o, "jobs", "64", err, sizeof err) == 0 && o.jobs == 64);
    CHECK(pc_options_set(&o, "cache-max-bytes", "2G", err, sizeof err) == 0 &&
          o.cache_max_bytes == 2ull << 30);
    CHECK(pc_options_set(&o, "progress", "always", err, sizeof err) == 0 && o.progress == 1);
    CHECK(pc_options_set(&o, "progress", "never", err, sizeof err) == 0 && o.progress == 2);
    CHECK(pc_options_set(&o, "progress", "auto", err, sizeof err) == 0 && o.progress == 0);
}

static const struct {
    const char *name, *value, *msg;
} refused[] = {
    {"tls-verify", "yes", "--tls-verify \"yes\": expected true or false"},
    {"tls-verify", "", "--tls-verify \"\": expected true or false"},
    {"jobs", "0", "--jobs \"0\": expected a number from 1 to 64"},
    {"jobs", "65", "--jobs \"65\": expected a number from 1 to 64"},
    {"jobs", "-1", "--jobs \"-1\": expected a number from 1 to 64"},
    {"jobs", "4x", "--jobs \"4x\": expected a number from 1 to 64"},
    {"cache-max-bytes", "2T", "--cache-max-bytes \"2T\": expected a size like 2G"},
    {"cache-max-bytes", "", "--cache-max-bytes \"\": expected a size like 2G"},
    {"progress", "au", "--progress \"au\": expected auto, always or never"},
    {"progress", "ALWAYS", "--progress \"ALWAYS\": expected auto, always or never"},
    /* secrets: the message says what is wrong, never the value */
    {"creds", "s3cret-only", "--creds: expected USER:PASSWORD (no ':' and no password)"},
    {"creds", ":s3cret", "--creds: expected USER:PASSWORD (the user name is empty)"},
    {"creds", "user:", "--creds: expected USER:PASSWORD (the password is empty)"},
    {"registry-token", "s3cret token",
     "--registry-token: a space or control character in the token"},
    {"registry-token", "s3cret\n", "--registry-token: a space or control character in the token"},
    {"registry-token", "", "--registry-token: the token is empty"},
};

static void refusals(void)
{
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        pc_options o, before;
        char err[256] = "";
        pc_options_init(&o);
        o.jobs = 3;
        o.cache_max_bytes = 7;
        o.progress = 2;
        before = o;
        CHECK(pc_options_set(&o, refused[i].name, refused[i].value, err, sizeof err) == -1);
        CHECK_STR(err, refused[i].msg);
        CHECK(memcmp(&o, &before, sizeof o) == 0);
    }
}

/* Credentials are kept as given (the CLI owns and wipes the copy); a
 * password may hold ':' (only the first one splits). */
static void secrets(void)
{
    pc_options o;
    char err[128] = "";
    const char *c = "ci-bot:pa:ss", *t = "eyJ.tok-en_1";
    pc_options_init(&o);
    CHECK(o.creds == NULL && o.registry_token == NULL);
    CHECK(pc_options_set(&o, "creds", c, err, sizeof err) == 0 && o.creds == c);
    CHECK(pc_options_set(&o, "registry-token", t, err, sizeof err) == 0 && o.registry_token == t);
    CHECK(err[0] == '\0');
}

static void not_scan_options(void)
{
    static const char *const names[] = {"format", "sign-key", "verdict-ttl", "listen",
                                        "",       "Policy",   "policy=",     "jobs "};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        pc_options o, before;
        char err[64] = "";
        pc_options_init(&o);
        before = o;
        CHECK(pc_options_set(&o, names[i], "x", err, sizeof err) == 1);
        CHECK(memcmp(&o, &before, sizeof o) == 0);
        CHECK(err[0] == '\0');
    }
}

static void short_buffer(void)
{
    pc_options o;
    char err[8];
    pc_options_init(&o);
    CHECK(pc_options_set(&o, "jobs", "100", err, sizeof err) == -1);
    CHECK_STR(err, "--jobs ");
}

int main(void)
{
    strings();
    values();
    refusals();
    secrets();
    not_scan_options();
    short_buffer();
    TEST_MAIN_END();
}

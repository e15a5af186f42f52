/*
 * test_imageref.c — Docker reference parsing and normalisation: the
 * defaults `docker pull` applies (docker.io, library/, :latest), registry
 * hosts with ports and IPv6, nested paths, digests, tag+digest, and a
 * precise message for each way a reference can be wrong.
 */
#include <stdio.h>
#include <string.h>
#include "imageref.h"
#include "testlib.h"

static const char D64[] = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* Parse s; its normalised form must be want. */
static void norm(const char *s, const char *want)
{
    pc_imageref r;
    pc_err e = {{0}};
    char out[700];
    int rc = pc_imageref_parse(s, &r, &e);
    if (rc != 0)
        fprintf(stderr, "parse %s: %s\n", s, e.msg);
    CHECK(rc == 0);
    pc_imageref_format(&r, out, sizeof out);
    CHECK_STR(out, want);
}

/* Parsing s must fail with a message containing why. */
static void bad(const char *s, const char *why)
{
    pc_imageref r;
    pc_err e = {{0}};
    CHECK(pc_imageref_parse(s, &r, &e) == -1);
    CHECK_CONTAINS(e.msg, why);
}

static void test_defaults(void)
{
    norm("nginx", "docker.io/library/nginx:latest");
    norm("nginx:1.25-alpine", "docker.io/library/nginx:1.25-alpine");
    norm("library/nginx", "docker.io/library/nginx:latest");
    norm("docker.io/nginx", "docker.io/library/nginx:latest");
    norm("index.docker.io/library/nginx:1", "docker.io/library/nginx:1");
    norm("bitnami/redis", "docker.io/bitnami/redis:latest");
    norm("docker.io/bitnami/redis:7", "docker.io/bitnami/redis:7");
    /* without a '/', "localhost:5000" is an image named localhost, tag 5000 */
    norm("localhost:5000", "docker.io/library/localhost:5000");
}

static void test_hosts_and_paths(void)
{
    norm("localhost/foo", "localhost/foo:latest");
    norm("localhost:5000/foo/bar:v1", "localhost:5000/foo/bar:v1");
    norm("127.0.0.1:5000/a/b/c/d", "127.0.0.1:5000/a/b/c/d:latest");
    norm("registry.example.com/team/app/api:2024.01", "registry.example.com/team/app/api:2024.01");
    norm("[::1]:5000/foo", "[::1]:5000/foo:latest");
    norm("Example.COM/foo", "Example.COM/foo:latest");
    norm("Upper/foo", "Upper/foo:latest"); /* upper case: a host, as in Docker */
    norm("r.io/a__b/c-d--e/f.g_h", "r.io/a__b/c-d--e/f.g_h:latest");
    norm("r.io/foo:_tag.With-Upper", "r.io/foo:_tag.With-Upper");

    pc_imageref r;
    pc_err e;
    char repo[300];
    CHECK(pc_imageref_parse("127.0.0.1:5000/team/app:v2", &r, &e) == 0);
    CHECK_STR(r.domain, "127.0.0.1:5000");
    CHECK_STR(r.path, "team/app");
    CHECK_STR(r.tag, "v2");
    CHECK_STR(r.digest, "");
    pc_imageref_repo(&r, repo, sizeof repo);
    CHECK_STR(repo, "127.0.0.1:5000/team/app");
}

static void test_digests(void)
{
    char want[300], in[300];
    pc_imageref r;
    pc_err e;
    snprintf(in, sizeof in, "quay.io/org/app@%s", D64);
    snprintf(want, sizeof want, "quay.io/org/app@%s", D64);
    norm(in, want);
    CHECK(pc_imageref_parse(in, &r, &e) == 0);
    CHECK_STR(r.tag, ""); /* a digest alone: no :latest */
    CHECK_STR(r.digest, D64);
    snprintf(in, sizeof in, "nginx:1.25@%s", D64);
    snprintf(want, sizeof want, "docker.io/library/nginx:1.25@%s", D64);
    norm(in, want);
    CHECK(pc_imageref_parse(in, &r, &e) == 0);
    CHECK_STR(r.tag, "1.25");
    CHECK_STR(r.digest, D64);
    snprintf(in, sizeof in, "localhost:5000/x@%s", D64);
    CHECK(pc_imageref_parse(in, &r, &e) == 0);
    CHECK_STR(r.domain, "localhost:5000");
}

static void test_errors(void)
{
    char s[400];
    bad("", "empty image name");
    bad("NGINX", "repository name must be lowercase");
    bad("r.io/Team/app", "repository name must be lowercase");
    bad("nginx:", "invalid tag");
    bad("nginx:-bad", "invalid tag");
    bad("nginx:.bad", "invalid tag");
    bad("nginx:a/b", "invalid reference");
    bad("nginx@sha256:abc", "invalid digest format");
    bad("nginx@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
        "invalid digest format");
    bad("nginx@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm");
    bad("nginx@", "invalid digest format");
    bad("a//b", "empty path component");
    bad("r.io/foo/", "ends with '/'");
    bad("r.io/", "missing repository name");
    bad(":tag", "missing repository name");
    bad("r.io:99999/x", "invalid registry port");
    bad("r.io:/x", "invalid registry port");
    bad("-r.io/x", "invalid registry host name");
    bad("r..io/x", "invalid registry host name");
    bad("[::1/x", "invalid registry host name");
    bad("r.io/-x", "invalid repository name component");
    bad("r.io/x-", "invalid repository name component");
    bad("r.io/a...b", "invalid repository name component");
    bad("r.io/a___b", "invalid repository name component");
    bad("r.io/a b", "invalid repository name component");
    bad("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "image ID");
    char want[420];
    memset(s, 'a', 255); /* exactly 255 characters: the longest name allowed */
    memcpy(s, "r.io/", 5);
    s[255] = 0;
    snprintf(want, sizeof want, "%s:latest", s);
    norm(s, want);
    memset(s, 'a', 260);
    memcpy(s, "r.io/", 5);
    s[260] = 0;
    bad(s, "must not be more than 255 characters");
    /* a hostile reference is shown sanitised */
    bad("r.io/\x1b[31mred", "r.io/?[31mred");
}

int main(void)
{
    test_defaults();
    test_hosts_and_paths();
    test_digests();
    test_errors();
    TEST_MAIN_END();
}

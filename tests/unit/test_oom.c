/*
 * test_oom.c — no allocation failure turns into an allow. As SQLite
 * tests, the Nth allocation of a scan fails, for every N until a scan
 * needs fewer: each result must be NULL (nothing to report) or a deny,
 * never an allow, and nothing may crash or leak. The image has exactly
 * one denying finding under the test's policy (a setuid file), so losing
 * it is what an allow would look like.
 *
 * Built with -Wl,--wrap for the allocation functions the library calls
 * (Makefile), so only portcullis's own allocations fail; the libraries it
 * links (jansson, libyara, zlib) allocate through their own references.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "portcullis.h"
#include "sha256.h"
#include "tarkit.h"
#include "testfile.h"
#include "testlib.h"

static _Atomic long fail_at; /* 0: never */
static _Atomic long seen;    /* allocations counted since arming */
static _Atomic int injected; /* a failure was injected in this run */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
int __real_vasprintf(char **out, const char *fmt, va_list ap);

static int should_fail(void)
{
    long at = atomic_load(&fail_at);
    if (!at)
        return 0;
    if (atomic_fetch_add(&seen, 1) + 1 == at) {
        atomic_store(&injected, 1);
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n)
{
    return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    return should_fail() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return should_fail() ? NULL : __real_strdup(s);
}

int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
    if (should_fail()) {
        *out = NULL;
        return -1;
    }
    return __real_vasprintf(out, fmt, ap);
}

/* One layer: a directory, a plain file, a setuid file. */
static size_t image_tar(unsigned char *out)
{
    size_t n = 512;
    memset(out, 0, 8 * 512);
    ustar_header(out, "usr/bin/", '5', 0755, 0, NULL);
    n += ustar_file(out + n, "usr/bin/plain", 0755, "hi\n", 3);
    n += ustar_file(out + n, "usr/bin/suid", 04755, "hi\n", 3);
    return n + 1024;
}

/* A second layer: a whiteout, an opaque directory, a hardlink pair and
 * /etc/passwd, so the overlay and USER paths allocate too. */
static size_t upper_tar(unsigned char *out)
{
    static const char pw[] = "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n";
    size_t n = 2 * 512;
    memset(out, 0, 16 * 512);
    ustar_header(out, "usr/bin/.wh.gone", '0', 0644, 0, NULL);
    ustar_header(out + 512, "opt/.wh..wh..opq", '0', 0644, 0, NULL);
    n += ustar_file(out + n, "opt/t2", 0755, "hi\n", 3);
    ustar_header(out + n, "opt/link2", '1', 0755, 0, "opt/t2");
    n += 512;
    n += ustar_file(out + n, "etc/passwd", 0644, pw, sizeof pw - 1);
    return n + 1024;
}

static void make_layout(const char *layout)
{
    char cmd[1200], tar_d[72], up_d[72], cfg_d[72], man_d[72], doc[4096];
    unsigned char tar[8 * 512], up[16 * 512];
    size_t tn = image_tar(tar), un = upper_tar(up);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/blobs/sha256", layout);
    CHECK(system(cmd) == 0);
    write_in(layout, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
    write_blob(layout, tar, tn, tar_d);
    write_blob(layout, up, un, up_d);
    int cn = snprintf(doc, sizeof doc,
                      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\","
                      "\"Entrypoint\":[\"/usr/bin/plain\"]},\"rootfs\":{\"type\":\"layers\","
                      "\"diff_ids\":[\"%s\",\"%s\"]}}",
                      tar_d, up_d);
    write_blob(layout, doc, (size_t)cn, cfg_d);
    int mn = snprintf(doc, sizeof doc,
                      "{\"schemaVersion\":2,\"mediaType\":\"application/"
                      "vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/"
                      "vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%d},\"layers\":[{"
                      "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
                      "\"size\":%zu},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                      "\"digest\":\"%s\",\"size\":%zu}]}",
                      cfg_d, cn, tar_d, tn, up_d, un);
    write_blob(layout, doc, (size_t)mn, man_d);
    int in = snprintf(doc, sizeof doc,
                      "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/"
                      "vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%d,"
                      "\"annotations\":{\"org.opencontainers.image.ref.name\":\"t\"}}]}",
                      man_d, mn);
    write_in(layout, "index.json", doc, (size_t)in);
}

/* Only setuid-file (and scan-error) deny: one finding decides. */
static const char *POLICY =
    "{\"name\":\"oom\",\"checks\":{\"root-user\":{\"action\":\"ignore\"},"
    "\"missing-entrypoint\":{\"action\":\"ignore\"},\"entrypoint-unrunnable\":{\"action\":"
    "\"ignore\"},\"workdir-inaccessible\":{\"action\":\"ignore\"},\"setuid-file\":{\"action\":"
    "\"deny\"},\"setgid-file\":{\"action\":\"ignore\"},\"file-capability\":{\"action\":"
    "\"ignore\"},\"suspicious-tool\":{\"action\":\"ignore\"},\"device-file\":{\"action\":"
    "\"ignore\"},\"privileged-port\":{\"action\":\"ignore\"},\"secret-in-env\":{\"action\":"
    "\"ignore\"},\"world-writable\":{\"action\":\"ignore\"},\"unpinned-image\":{\"action\":"
    "\"ignore\"},\"scan-error\":{\"action\":\"deny\"}}}";

int main(void)
{
    char base[] = "/tmp/pc-oom.XXXXXX", layout[600], ref[700], rules[600], pol[600], err[512];
    CHECK(mkdtemp(base) != NULL);
    snprintf(layout, sizeof layout, "%s/layout", base);
    snprintf(ref, sizeof ref, "oci:%s:t", layout);
    snprintf(rules, sizeof rules, "%s/none.yar", base);
    snprintf(pol, sizeof pol, "%s/policy.json", base);
    make_layout(layout);
    write_bytes(rules, "rule nothing { condition: false }\n", 34);
    write_bytes(pol, POLICY, strlen(POLICY));

    pc_options o;
    pc_options_init(&o);
    o.rules = rules;
    o.policy = pol;
    o.jobs = 1;
    pc_ctx *ctx = NULL;
    CHECK(pc_ctx_new(&o, &ctx, err, sizeof err) == 0);
    if (!ctx) {
        fprintf(stderr, "pc_ctx_new: %s\n", err);
        TEST_MAIN_END();
    }

    /* without failures: denied for the setuid file, and only for it */
    pc_result *r = pc_scan(ctx, ref);
    CHECK(r && r->denied && !r->scan_failed && r->nfindings == 1 &&
          strcmp(r->findings[0].check, "setuid-file") == 0);
    pc_result_free(r);

    long n, allowed = 0, runs = 0;
    for (n = 1; n < 200000; n++) {
        atomic_store(&seen, 0);
        atomic_store(&injected, 0);
        atomic_store(&fail_at, n);
        r = pc_scan(ctx, ref);
        atomic_store(&fail_at, 0);
        runs++;
        if (r && !r->denied) {
            allowed++;
            fprintf(stderr, "allocation %ld failed and the scan allowed the image\n", n);
        }
        pc_result_free(r);
        if (!atomic_load(&injected))
            break; /* the scan needed fewer than n allocations: every one was tried */
    }
    CHECK(allowed == 0);
    CHECK(runs > 10); /* the loop really ran through the scan's allocations */
    fprintf(stderr, "%ld allocation points tried, %ld allowed\n", runs - 1, allowed);
    pc_ctx_free(ctx);
    snprintf(err, sizeof err, "rm -rf %s", base);
    CHECK(system(err) == 0);
    TEST_MAIN_END();
}

/*
 * memstore.h — an in-memory blob store, as a registry presents one to
 * pc_manifest_resolve: blobs found by the sha256 digest of their text,
 * the last one the top-level document.
 */
#ifndef PC_TEST_MEMSTORE_H
#define PC_TEST_MEMSTORE_H

#include <string.h>
#include "manifest.h"
#include "scanlimits.h"
#include "sha256.h"
#include "testlib.h"
#include "pcx.h"

typedef struct mem_store {
    const char *blobs[8];
    size_t n;
} mem_store;

static inline int mem_store_read(void *ctx, const char *digest, size_t max, char **out, size_t *len,
                                 pc_err *e)
{
    const mem_store *m = ctx;
    for (size_t i = 0; i < m->n; i++) {
        char d[72];
        pc_sha256_digest(m->blobs[i], strlen(m->blobs[i]), d);
        if (strcmp(d, digest) != 0)
            continue;
        if (strlen(m->blobs[i]) > max)
            return pc_err_set(e, "too big");
        *out = pc_strdup(m->blobs[i]);
        *len = strlen(m->blobs[i]);
        return *out ? 0 : pc_err_set(e, "out of memory");
    }
    return pc_err_set(e, "blob %s not found", digest);
}

/* Resolve the last blob of m for platform ("os/arch[/variant]", default
 * limits) into img: "(resolved)", or the error message. */
static inline const char *mem_store_resolve(mem_store *m, const char *platform, pc_image *img,
                                            pc_err *e)
{
    pc_platform plat;
    pc_limits lim;
    pc_limits_default(&lim);
    CHECK(pc_platform_parse(platform, &plat) == 0);
    pc_source_cfg cfg = {.platform = &plat, .limits = &lim, .tls_verify = 1};
    char d[72];
    const char *top = m->blobs[m->n - 1];
    pc_sha256_digest(top, strlen(top), d);
    e->msg[0] = 0;
    memset(img, 0, sizeof *img);
    if (pc_manifest_resolve(mem_store_read, m, NULL, d, (int64_t)strlen(top), &cfg, img, e) < 0)
        return e->msg;
    return "(resolved)";
}

#endif

/*
 * fuzz_layer.c — libFuzzer target: arbitrary bytes as a layer blob (the
 * first byte picks the media type: the OCI plain tar, read raw, or a type
 * whose bytes are sniffed for gzip and zstd), through the streaming walk,
 * the fs view and the facts cache round trip (fuzz_view.h: the cached
 * facts must give the same view). The digest is taken from the input so
 * the walk runs to the end. fuzz_layergen reaches deeper with valid
 * layers; this one keeps the reader honest on bytes no generator writes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../unit/memstream.h"
#include "fsview.h"
#include "fuzz_view.h"
#include "layer.h"
#include "sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    pc_limits lim;
    pc_limits_default(&lim);
    lim.max_layer_bytes = 64u << 20;
    lim.max_files = 10000;
    _Atomic uint64_t files = 0, bytes = 0;
    pc_walk_cfg w = {.limits = &lim, .files_total = &files, .bytes_total = &bytes};
    static char *const types[] = {"application/vnd.oci.image.layer.v1.tar",
                                  "application/vnd.oci.image.layer.v1.tar+gzip",
                                  "application/vnd.docker.image.rootfs.diff.tar"};
    pc_layer_desc ld = {.d = {.media_type = types[data[0] % 3]}};
    mem_stream m;
    ld.d.size = (int64_t)(size - 1);
    pc_sha256_digest(data + 1, size - 1, ld.d.digest);
    pc_layer_facts f;
    pc_err e;
    if (pc_layer_walk(mem_stream_init(&m, data + 1, size - 1, 0), &ld, &w, &f, &e) == 0) {
        pc_fsview v;
        char *listing;
        size_t applied = fzv_apply(&v, &f, 1, &listing);
        fzv_cached(&f, 1, applied, listing);
        if (applied == 1)
            pc_fsview_lookup(&v, "/usr/bin/../lib/x", 1);
        free(listing);
        pc_fsview_free(&v);
        pc_layer_facts_free(&f);
    }
    return 0;
}

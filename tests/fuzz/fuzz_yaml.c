/*
 * fuzz_yaml.c — libFuzzer target: a manifest as `portcullis scan
 * --manifest` reads it (src/cli_manifest.c: YAML through libyaml, or a
 * JSON stream; then src/cli_workload.c: objects to container runs). The
 * CLI's sources are included (fuzz targets link the library and the
 * webhook, not the CLI). Whatever parses must hold: no document deeper
 * than CLI_MANIFEST_MAX_DEPTH, no JSON null document, every run with a
 * non-empty image without blanks around it, a subject and a run key.
 */
#include "../../src/cli_manifest.c"
#include "../../src/cli_workload.c"
#include <stdint.h>
#include "fuzz.h"

static int depth_of(json_t *v)
{
    int d = 0;
    size_t i;
    const char *k;
    json_t *x;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            int c = depth_of(x);
            d = c > d ? c : d;
        }
        return d + 1;
    }
    if (json_is_object(v)) {
        json_object_foreach(v, k, x)
        {
            int c = depth_of(x);
            d = c > d ? c : d;
        }
        return d + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024];
    cli_docs docs = {0};
    cli_runs runs = {0};
    if (cli_manifest_parse("fuzz.yaml", (const char *)data, size, &docs, err, sizeof err) == 0) {
        for (size_t i = 0; i < docs.n; i++) {
            FZ_CHECK(docs.v[i].v && !json_is_null(docs.v[i].v), "document %zu is null", i);
            FZ_CHECK(depth_of(docs.v[i].v) <= CLI_MANIFEST_MAX_DEPTH, "document %zu too deep", i);
            FZ_CHECK(docs.v[i].line >= 1, "document %zu has no line", i);
        }
        int rc = cli_runs_add(&runs, "fuzz.yaml", &docs, err, sizeof err);
        FZ_CHECK(rc == 0 || strncmp(err, "fuzz.yaml:", 10) == 0, "error without its place: %s",
                 err);
        for (size_t i = 0; rc == 0 && i < runs.n; i++) {
            const cli_run *r = &runs.v[i];
            size_t n = strlen(r->image);
            FZ_CHECK(n > 0 && r->image[0] != ' ' && r->image[n - 1] != ' ', "image \"%s\"",
                     r->image);
            FZ_CHECK(r->rc.subject && *r->rc.subject, "run %zu has no subject", i);
            FZ_CHECK(strncmp(r->key, "sha256:", 7) == 0, "run %zu has no key", i);
        }
    } else {
        FZ_CHECK(strncmp(err, "fuzz.yaml", 9) == 0, "error without the file: %s", err);
    }
    cli_runs_free(&runs);
    cli_docs_free(&docs);
    return 0;
}

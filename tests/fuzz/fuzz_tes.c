/*
 * fuzz_tes.c — libFuzzer target: a GA4GH TES tesTask as POST
 * /tes/validate and the TES gate read it (webhook/tes/tes.c). A task that
 * parses has one image per executor, each non-empty, at most
 * WH_MAX_IMAGE_LEN bytes, named by its pointer; and no key that another
 * JSON reader could take for "executors" or "image" (ASCII case, 'ſ')
 * other than the exact one.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "fuzz_images.h"
#include "tes.h"

/* A key Go's encoding/json would match to want (want is lower-case ASCII
 * without 'k' or 's' issues beyond 'ſ'). */
static int go_matches(const char *key, const char *want)
{
    const unsigned char *k = (const unsigned char *)key;
    for (; *want; want++) {
        if (k[0] == 0xC5 && k[1] == 0xBF && *want == 's') {
            k += 2;
            continue;
        }
        if (!*k || (*k | 0x20) != (unsigned char)*want ||
            !((*k | 0x20) >= 'a' && (*k | 0x20) <= 'z'))
            return 0;
        k++;
    }
    return !*k;
}

static void no_lookalike(json_t *obj, const char *want)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        FZ_CHECK(strcmp(k, want) == 0 || !go_matches(k, want), "key \"%s\" reads as %s", k, want);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fz_strndup(data, size), err[512];
    wh_tes_task t;
    if (!body)
        return 0;
    if (wh_tes_parse(body, size, &t, err, sizeof err) == 0) {
        json_t *ex = json_object_get(t.root, "executors");
        FZ_CHECK(t.images.n == json_array_size(ex) && t.images.n > 0,
                 "%zu images for %zu executors", t.images.n, json_array_size(ex));
        no_lookalike(t.root, "executors");
        fz_check_images(t.root, &t.images);
        for (size_t i = 0; i < t.images.n; i++)
            no_lookalike(json_array_get(ex, i), "image");
        wh_tes_task_free(&t);
    } else {
        FZ_CHECK(!t.root && !t.images.n, "refused task left state behind");
    }
    free(body);
    return 0;
}

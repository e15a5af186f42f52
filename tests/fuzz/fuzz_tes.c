/*
 * fuzz_tes.c — libFuzzer target: a GA4GH TES tesTask as POST
 * /tes/validate and the TES gate read it (webhook/tes/tes.c), under each
 * start semantics (the input's length picks one). A task that parses has
 * one image per executor, each non-empty, at most WH_MAX_IMAGE_LEN bytes,
 * named by its pointer, then one more per command program judged on its
 * own (shell semantics only), naming its executor's image; a run context
 * on every executor that has a command; and no key that another JSON
 * reader could take for "executors" or an executor field (ASCII case,
 * 'ſ', the Kelvin sign) other than the exact one.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "fuzz_images.h"
#include "tes.h"

/* A key Go's encoding/json would match to want (want is lower-case ASCII;
 * 'ſ' folds to 's', the Kelvin sign to 'k'). */
static int go_matches(const char *key, const char *want)
{
    const unsigned char *k = (const unsigned char *)key;
    for (; *want; want++) {
        if (k[0] == 0xC5 && k[1] == 0xBF && *want == 's') {
            k += 2;
            continue;
        }
        if (k[0] == 0xE2 && k[1] == 0x84 && k[2] == 0xAA && *want == 'k') {
            k += 3;
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
    static const char *const keys[] = {"image",  "command", "workdir", "env",
                                       "stdin", "stdout",  "stderr"};
    wh_tes_start start = (wh_tes_start)(size % 3);
    if (wh_tes_parse(body, size, start, &t, err, sizeof err) == 0) {
        json_t *ex = json_object_get(t.root, "executors");
        FZ_CHECK(t.nexec == json_array_size(ex) && t.nexec > 0 && t.images.n >= t.nexec &&
                     t.images.n <= WH_MAX_IMAGES,
                 "%zu images, %zu executors for %zu", t.images.n, t.nexec, json_array_size(ex));
        no_lookalike(t.root, "executors");
        fz_check_images(t.root, &t.images);
        for (size_t i = 0; i < t.nexec; i++) {
            json_t *e = json_array_get(ex, i);
            for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
                no_lookalike(e, keys[k]);
            size_t tw = t.exec[i].twin;
            FZ_CHECK(!tw || (start == WH_TES_SHELL && tw >= t.nexec && tw < t.images.n &&
                             strcmp(t.images.v[tw].image, t.images.v[i].image) == 0),
                     "executor %zu: twin %zu", i, tw);
            FZ_CHECK(!json_object_get(e, "command") || json_is_null(json_object_get(e, "command")) ||
                         t.images.v[i].run != NULL,
                     "executor %zu: a command but no run context", i);
        }
        wh_tes_task_free(&t);
    } else {
        FZ_CHECK(!t.root && !t.images.n, "refused task left state behind");
    }
    free(body);
    return 0;
}

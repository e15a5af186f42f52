/*
 * fuzz_admission.c — libFuzzer target: a request body as POST /validate
 * and /mutate get it (webhook/k8s/admission.c, and podspec.c under it). What
 * a review that parses must hold: every image reported is a non-empty
 * string of at most WH_MAX_IMAGE_LEN bytes without a NUL, and its JSON
 * pointer names exactly that string in request.object (/mutate patches
 * the image through it), checked in jansson's reading of the same body.
 * The answer is built for an allowed decision too.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "admission.h"
#include "fuzz.h"
#include "fuzz_images.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fz_strndup(data, size), err[512];
    wh_admission a;
    if (!body)
        return 0;
    if (wh_admission_parse(body, size, &a, err, sizeof err) == 0) {
        json_t *root = json_loadb(body, size, JSON_REJECT_DUPLICATES, NULL);
        FZ_CHECK(root != NULL, "a review jansson refuses was parsed");
        json_t *obj = json_object_get(json_object_get(root, "request"), "object");
        FZ_CHECK(a.uid && *a.uid && a.kind && a.operation, "parsed review without uid/kind/op");
        fz_check_images(obj, &a.images);
        wh_decision d = {.allowed = 1};
        char *resp = wh_admission_response(&a, &d);
        json_t *back = resp ? json_loads(resp, JSON_REJECT_DUPLICATES, NULL) : NULL;
        FZ_CHECK(back && json_is_true(json_object_get(json_object_get(back, "response"), "allowed")),
                 "the answer is not JSON allowing the review: %s", resp ? resp : "(null)");
        json_decref(back);
        free(resp);
        json_decref(root);
        wh_admission_free(&a);
    } else {
        FZ_CHECK(!a.doc && !a.images.n, "refused review left state behind");
        FZ_CHECK(memchr(err, 0, sizeof err) && *err, "refusal without a message");
    }
    free(body);
    return 0;
}

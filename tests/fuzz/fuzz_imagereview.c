/*
 * fuzz_imagereview.c — libFuzzer target: a request body as POST
 * /imagereview gets it (imagepolicy.k8s.io/v1alpha1 ImageReview). The
 * reader is static in webhook/k8s/imagereview.c, so its source is included
 * here (the link takes the webhook from an archive and so never pulls in
 * the object that defines wh_route_imagereview a second time). A review
 * that parses must report only non-empty images of at most
 * WH_MAX_IMAGE_LEN bytes whose pointers name them; the answer for an
 * allowed decision and the annotation keys logged are built too. The
 * pointers are checked in jansson's reading of the same body.
 */
#include "../../webhook/k8s/imagereview.c"
#include <stdint.h>
#include "fuzz.h"
#include "fuzz_images.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fz_strndup(data, size), err[512];
    image_review r;
    if (!body)
        return 0;
    if (read_review(&r, body, size, err, sizeof err) == 0) {
        json_t *root = json_loadb(body, size, JSON_REJECT_DUPLICATES, NULL);
        FZ_CHECK(root != NULL, "a review jansson refuses was parsed");
        fz_check_images(root, &r.images);
        json_decref(root);
        json_t *keys = r.annotations ? annotation_keys(r.annotations) : NULL;
        FZ_CHECK(!keys || json_array_size(keys) <= ANNOTATIONS_MAX, "too many keys logged");
        json_decref(keys);
        wh_decision d = {.allowed = 1};
        json_decref(review_response(&d));
    }
    pc_jdoc_free(r.doc);
    wh_image_list_free(&r.images);
    free(body);
    return 0;
}

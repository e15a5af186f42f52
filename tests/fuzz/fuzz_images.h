/*
 * fuzz_images.h — what every webhook reader (AdmissionReview, ImageReview,
 * pod specs, TES tasks) must make of the images it reports: each one
 * non-empty, at most WH_MAX_IMAGE_LEN bytes, and exactly the string its
 * JSON pointer names inside the document the reader was given.
 */
#ifndef PC_FUZZ_IMAGES_H
#define PC_FUZZ_IMAGES_H

#include <jansson.h>
#include <string.h>
#include "fuzz.h"
#include "imagelist.h"

/* Aborts (FZ_CHECK) unless every image of l is as above; pointers are into root. */
static inline void fz_check_images(json_t *root, const wh_image_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const wh_image *im = &l->v[i];
        size_t n = strlen(im->image);
        FZ_CHECK(n > 0 && n <= WH_MAX_IMAGE_LEN, "image %zu of %zu bytes", i, n);
        json_t *at = fz_json_pointer(root, im->pointer);
        FZ_CHECK(json_is_string(at) && strcmp(json_string_value(at), im->image) == 0,
                 "pointer %s does not name image \"%s\"", im->pointer, im->image);
    }
}

#endif

/*
 * jdoc_json.c — a jansson value as a pc_jdoc, for the callers that build
 * their document with jansson (the CLI's manifests, from YAML) and read it
 * with the readers shared with the webhook. The value is written as
 * compact JSON and parsed back, U+0000 kept in strings: the readers see
 * what they would see in a review carrying the same object.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "portcullis_jdoc.h"

pc_jdoc *pc_jdoc_from_json(const struct json_t *v, char *err, size_t errlen)
{
    if (!json_is_object(v) && !json_is_array(v)) {
        snprintf(err, errlen, "expected an object or an array");
        return NULL;
    }
    char *text = json_dumps(v, JSON_COMPACT);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pc_jdoc *d = pc_jdoc_parse(text, strlen(text), PC_JDOC_ALLOW_NUL, err, errlen);
    free(text);
    return d;
}

/*
 * mutate.h — the pieces of POST /mutate's JSON Patch (RFC 6902) that do
 * not need a request: the pinned form of an image reference, RFC 6901
 * escaping, and the operations that set one pod annotation whatever the
 * metadata already holds. The route itself is wh_route_mutate
 * (webhook.h); it is described in mutate.c.
 */
#ifndef WH_MUTATE_H
#define WH_MUTATE_H

#include <jansson.h>
#include "portcullis_jdoc.h"

#define WH_VERDICTS_ANNOTATION "portcullis.io/verdicts"
#define WH_ANNOTATION_MAX (128 * 1024) /* bytes of its value; the apiserver allows 256K in all */

/* ref pinned to digest, keeping the tag for readers: "REPO:TAG@sha256:…"
 * (or "REPO@sha256:…" when ref has no tag). 1 with *out malloc'd; 0 when
 * ref cannot be pinned this way (it already has an '@', is empty or too
 * long) or digest is not "sha256:" and 64 lowercase hex digits; -1 when
 * out of memory. */
int wh_mutate_pin(const char *ref, const char *digest, char **out);

/* key as one JSON Pointer reference token: "~" → "~0", "/" → "~1"
 * (malloc'd; NULL when out of memory). */
char *wh_json_pointer_escape(const char *key);

/* Append to patch the operation that sets annotation key to value in the
 * metadata object at meta_ptr (meta: that object, or NULL when absent or
 * null): "add" of the whole metadata, of metadata.annotations, or of the
 * one key ("add" replaces a member that exists). -1 when out of memory. */
int wh_mutate_annotation_op(json_t *patch, const char *meta_ptr, const pc_jval *meta,
                            const char *key, const char *value);

#endif

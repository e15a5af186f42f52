/*
 * gojson.h — reading the JSON documents a container runtime decodes with
 * Go's encoding/json (manifests, indexes, descriptors, image configs,
 * `docker save`'s manifest.json) the way Go reads them, or refusing them.
 *
 * Go assigns an object key to a struct field case-insensitively, with
 * Unicode simple folding ("ſ" U+017F is s, the Kelvin sign U+212A is k),
 * and when several keys match one field the last one wins. jansson looks
 * keys up exactly. So every field of a struct-typed object is found here:
 * the one key that folds to the field is read; two or more keys that fold
 * to one field are refused, as are exact duplicate keys anywhere. A JSON
 * null reads as absent (Go leaves the field unset, or nil). Map-typed
 * objects (annotations, Labels, ExposedPorts, Volumes) keep exact keys:
 * look those up with json_object_get.
 */
#ifndef PC_GOJSON_H
#define PC_GOJSON_H

#include <jansson.h>
#include <stddef.h>
#include "pcx.h"

/* Parse a document (an object or an array), refusing exact duplicate keys
 * at any depth: "WHAT: duplicate key "k" (line L, column C)", or "WHAT:
 * invalid JSON: ... (line L, column C)". The caller owns the result. */
json_t *pc_gj_load(const char *buf, size_t len, const char *what, pc_err *e);

/* 1 when Go assigns key to the field whose JSON name is field (ASCII). */
int pc_gj_fold_eq(const char *key, const char *field);

/* The value Go assigns to field of the struct-typed object obj: 1 when one
 * key folds to field (*out its value, NULL for a JSON null), 0 when none
 * does (*out NULL), -1 when several do: "WHAT: keys "layers" and "Layers"
 * both set field layers (runtimes take the last one); refusing the
 * ambiguous document". obj that is not an object has no fields. */
int pc_gj_field(json_t *obj, const char *field, json_t **out, const char *what, pc_err *e);

/* pc_gj_field, then a type check where Go's Unmarshal would fail: *out is
 * NULL when absent or null, else of type t; otherwise -1 with "WHAT: field
 * F: expected a string" (an integer, a boolean, an object, an array). */
int pc_gj_typed(json_t *obj, const char *field, json_type t, json_t **out, const char *what,
                pc_err *e);
/* pc_gj_typed for a string field: *out its value or NULL. */
int pc_gj_string(json_t *obj, const char *field, const char **out, const char *what, pc_err *e);

/* -1 when two keys of obj fold to one of fields (NULL-terminated), so that
 * the fields portcullis does not read are unambiguous too. */
int pc_gj_check_struct(json_t *obj, const char *const *fields, const char *what, pc_err *e);

/* Whole-struct checks (pc_gj_check_struct, the nested structs, and the
 * type of each struct- or slice-typed field), for documents as the OCI
 * image-spec Go types and Docker's equivalents read them. */
int pc_gj_check_descriptor(json_t *d, const char *what, pc_err *e);  /* with its platform */
int pc_gj_check_manifest(json_t *root, const char *what, pc_err *e); /* manifest or index */
int pc_gj_check_image(json_t *root, const char *what, pc_err *e);    /* image config */

/* The fields of each struct, NULL-terminated. */
extern const char *const pc_gj_descriptor_fields[];   /* OCI Descriptor */
extern const char *const pc_gj_platform_fields[];     /* OCI Platform, Docker PlatformSpec */
extern const char *const pc_gj_manifest_fields[];     /* OCI Manifest and Index, Docker schema2 */
extern const char *const pc_gj_layout_fields[];       /* OCI ImageLayout (oci-layout) */
extern const char *const pc_gj_image_fields[];        /* OCI Image (the config blob) */
extern const char *const pc_gj_image_config_fields[]; /* OCI ImageConfig, Docker container.Config */
extern const char *const pc_gj_rootfs_fields[];
extern const char *const pc_gj_history_fields[];
extern const char *const pc_gj_docker_save_fields[]; /* an entry of docker save's manifest.json */

#endif

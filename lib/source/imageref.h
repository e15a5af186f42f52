/*
 * imageref.h — Docker image references: parsing and normalisation with
 * Docker's rules. "nginx" is docker.io/library/nginx:latest; the first
 * path component is a registry host only when it has a '.' or ':', is
 * "localhost" or has upper-case letters; a reference may carry a tag, a
 * "@sha256:" digest, or both (the digest is what gets pulled).
 */
#ifndef PC_IMAGEREF_H
#define PC_IMAGEREF_H

#include <stddef.h>
#include "pcx.h"

#define PC_REF_NAME_MAX 255 /* domain + '/' + path, as in Docker */

typedef struct pc_imageref {
    char domain[PC_REF_NAME_MAX + 1]; /* "docker.io", "127.0.0.1:5000", "[::1]:5000" */
    char path[PC_REF_NAME_MAX + 1];   /* "library/nginx", "team/app/api" */
    char tag[129];                    /* "" only when a digest was given without a tag */
    char digest[72];                  /* "sha256:<64 hex>" or "" */
} pc_imageref;

/* Parse s (no "docker://" prefix). -1 with a message that names the part
 * that is wrong ("invalid tag", "repository name must be lowercase", ...). */
int pc_imageref_parse(const char *s, pc_imageref *r, pc_err *e);

/* "domain/path[:tag][@digest]", the fully normalised form. */
void pc_imageref_format(const pc_imageref *r, char *out, size_t n);

/* "domain/path": how messages name the repository. */
void pc_imageref_repo(const pc_imageref *r, char *out, size_t n);

/* The repository an image as a report names it (a reference, with or
 * without "docker://", or a local transport) stands for, without tag or
 * digest: "docker.io/library/nginx"; for a local transport (oci:DIR:TAG)
 * the reference without its tag; "image" for NULL. What SARIF locates
 * image-level findings on and what an in-toto subject is named. */
void pc_image_repository(const char *image, char *out, size_t n);

#endif

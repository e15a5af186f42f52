/*
 * fuzz_imageref.c — libFuzzer target: image references as they come in
 * pod specs, TES tasks and on the command line (lib/source/imageref.c).
 * Checked: a reference that parses formats to its normalised form, which
 * parses again to the same four parts (normalising is idempotent, so the
 * cache key and what is pulled agree), every part within its bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "image.h"
#include "imageref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_strndup(data, size);
    if (!s)
        return 0;
    pc_imageref r, r2;
    pc_err e;
    char out[1024], repo[600];
    if (pc_imageref_parse(s, &r, &e) == 0) {
        FZ_CHECK(r.domain[0] && r.path[0] && (r.tag[0] || r.digest[0]), "empty part");
        FZ_CHECK(strlen(r.domain) + 1 + strlen(r.path) <= PC_REF_NAME_MAX, "name too long");
        pc_imageref_format(&r, out, sizeof out);
        pc_imageref_repo(&r, repo, sizeof repo);
        FZ_CHECK(strncmp(out, repo, strlen(repo)) == 0, "repo is not a prefix of the reference");
        FZ_CHECK(pc_imageref_parse(out, &r2, &e) == 0, "\"%s\" (from \"%s\") does not parse: %s",
                 out, s, e.msg);
        FZ_CHECK(strcmp(r.domain, r2.domain) == 0 && strcmp(r.path, r2.path) == 0 &&
                     strcmp(r.tag, r2.tag) == 0 && strcmp(r.digest, r2.digest) == 0,
                 "\"%s\" normalises to \"%s\", which reads differently", s, out);
    }
    pc_platform p;
    if (pc_platform_parse(s, &p) == 0) {
        pc_platform_format(&p, out, sizeof out);
        pc_platform p2;
        FZ_CHECK(pc_platform_parse(out, &p2) == 0 && memcmp(&p, &p2, sizeof p) == 0,
                 "platform \"%s\" formats to \"%s\", which reads differently", s, out);
    }
    free(s);
    return 0;
}

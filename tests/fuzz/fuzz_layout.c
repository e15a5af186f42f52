/*
 * fuzz_layout.c — libFuzzer target: the two files of an OCI image layout
 * (oci: and oci-archive: sources): index.json, from which a tag and a
 * platform pick one manifest (pc_layout_select), and oci-layout
 * (pc_layout_check). Input: CONTROL FZ_SEP INDEX_JSON; CONTROL's first
 * byte picks the platform, the rest (if any) is the tag asked for.
 * Checked: the descriptor picked has a well-formed digest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "manifest.h"
#include "sha256.h"

static const pc_platform plats[] = {{"linux", "amd64", ""},
                                    {"linux", "arm64", "v8"},
                                    {"linux", "arm", "v7"},
                                    {"windows", "amd64", ""}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[2];
    size_t len[2];
    fz_split(data, size, 2, part, len);
    unsigned pl = len[0] ? part[0][0] : 0;
    char *tag = len[0] > 1 ? fz_strndup(part[0] + 1, len[0] - 1) : NULL;
    char *s = fz_strndup(part[1], len[1]);
    if (!s)
        goto out;
    pc_desc d = {0};
    pc_err e;
    const pc_platform *want = (pl & 4) ? NULL : &plats[pl % 4];
    if (pc_layout_select(s, len[1], "index.json", tag, want, &d, &e) == 0) {
        FZ_CHECK(pc_digest_check(d.digest, "digest", NULL) == 0, "digest %s", d.digest);
        free(d.media_type);
    }
    (void)pc_layout_check(s, len[1], "oci-layout", &e);
out:
    free(tag);
    free(s);
    return 0;
}

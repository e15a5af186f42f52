/*
 * fuzz_config.c — libFuzzer target: one image config blob (its digest
 * already verified) as the scanner reads it twice: pc_config_info_parse
 * (platform, rootfs.diff_ids; lib/image/manifest.c) and pc_imgconfig_parse
 * (User, Entrypoint, Cmd, Env, WorkingDir, ExposedPorts; imgconfig.c),
 * both over gojson.c's Go-compatible field lookup. Also the whole-document
 * checks for a manifest or a descriptor over the same bytes. Checked: a
 * config both readers take agrees on os/architecture; every diff id is a
 * well-formed digest; the Env lookup returns the last entry for a name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "gojson.h"
#include "imgconfig.h"
#include "manifest.h"
#include "sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_strndup(data, size);
    if (!s)
        return 0;
    pc_err e;
    pc_config_info ci;
    pc_imgconfig c;
    int a = pc_config_info_parse(s, size, "config", &ci, &e);
    int b = pc_imgconfig_parse(s, size, &c, &e);
    if (a == 0) {
        for (size_t i = 0; i < ci.ndiff_ids; i++)
            FZ_CHECK(pc_digest_check(ci.diff_ids[i], "diff id", NULL) == 0, "diff id %zu", i);
        if (b == 0 && ci.has_platform && c.os && c.arch && strlen(c.os) < sizeof ci.platform.os &&
            strlen(c.arch) < 8)
            FZ_CHECK(strcmp(c.os, ci.platform.os) == 0, "os \"%s\" and \"%s\"", c.os,
                     ci.platform.os);
        pc_config_info_free(&ci);
    }
    if (b == 0) {
        for (size_t i = 0; i < c.env.n; i++) {
            const char *eq = strchr(c.env.v[i], '=');
            if (!eq)
                continue;
            char name[64];
            size_t nl = (size_t)(eq - c.env.v[i]);
            if (nl >= sizeof name)
                continue;
            memcpy(name, c.env.v[i], nl);
            name[nl] = 0;
            const char *v = pc_imgconfig_env(&c, name);
            FZ_CHECK(v, "Env %s not found", name);
        }
        (void)pc_imgconfig_env(&c, "PATH");
    }
    pc_imgconfig_free(&c);
    json_t *root = pc_gj_load(s, size, "doc", &e);
    if (root) {
        (void)pc_gj_check_manifest(root, "doc", &e);
        (void)pc_gj_check_descriptor(root, "doc", &e);
        (void)pc_gj_fold_eq(s, "architecture");
        json_decref(root);
    }
    free(s);
    return 0;
}

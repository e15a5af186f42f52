/*
 * fuzz_json.c — libFuzzer target for the JSON documents portcullis reads
 * from untrusted places: policies, image configs, OCI index.json,
 * image references and cached facts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cache.h"
#include "imageref.h"
#include "imgconfig.h"
#include "manifest.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pc_err e;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    pc_policy *p = NULL;
    if (pc_policy_parse(s, size, "fuzz.json", &p, &e) == 0)
        pc_policy_free(p);
    pc_imgconfig c;
    pc_imgconfig_parse(s, size, &c, &e);
    pc_imgconfig_free(&c);
    pc_config_info ci;
    if (pc_config_info_parse(s, size, "config", &ci, &e) == 0)
        pc_config_info_free(&ci);
    pc_desc d = {0};
    pc_platform want = {"linux", "amd64", ""};
    if (pc_layout_select(s, size, "index.json", NULL, &want, &d, &e) == 0)
        free(d.media_type);
    pc_imageref r;
    char out[600];
    if (pc_imageref_parse(s, &r, &e) == 0)
        pc_imageref_format(&r, out, sizeof out);
    pc_layer_facts f;
    pc_layer_facts_init(&f);
    pc_facts_decode(data, size, &f);
    pc_layer_facts_free(&f);
    free(s);
    return 0;
}

/*
 * image.c — the resolved image and its small vocabulary: freeing a
 * pc_image, reading and writing "os/arch[/variant]" platform strings, and
 * mapping a layer media type to the compression it declares and to the
 * decode class the layer walk reads it with.
 * Platform parts are restricted to [A-Za-z0-9._-] so that a platform taken
 * from a hostile index or config can be printed in any report verbatim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "image/image.h"

void pc_image_free(pc_image *img)
{
    if (!img)
        return;
    for (size_t i = 0; i < img->nlayers; i++) {
        free(img->layers[i].d.media_type);
        free(img->layers[i].diff_id);
        free(img->layers[i].locator);
    }
    free(img->layers);
    free(img->config);
    memset(img, 0, sizeof *img);
}

/* One platform part: non-empty, fits the fixed field, plain characters. */
static int part_ok(const char *s, size_t n, size_t cap)
{
    if (n == 0 || n >= cap)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

int pc_platform_parse(const char *s, pc_platform *p)
{
    if (!s || !p)
        return -1;
    pc_platform t;
    memset(&t, 0, sizeof t);
    char *dst[3] = {t.os, t.arch, t.variant};
    size_t caps[3] = {sizeof t.os, sizeof t.arch, sizeof t.variant};
    int nparts = 0;
    const char *cur = s;
    for (;;) {
        const char *slash = strchr(cur, '/');
        size_t n = slash ? (size_t)(slash - cur) : strlen(cur);
        if (nparts == 3 || !part_ok(cur, n, caps[nparts]))
            return -1;
        memcpy(dst[nparts], cur, n);
        dst[nparts][n] = 0;
        nparts++;
        if (!slash)
            break;
        cur = slash + 1;
    }
    if (nparts < 2)
        return -1;
    *p = t;
    return 0;
}

void pc_platform_format(const pc_platform *p, char *out, size_t n)
{
    if (!out || n == 0)
        return;
    if (!p) {
        snprintf(out, n, "unknown");
        return;
    }
    if (p->variant[0])
        snprintf(out, n, "%s/%s/%s", p->os, p->arch, p->variant);
    else
        snprintf(out, n, "%s/%s", p->os, p->arch);
}

/* Copy a hostile string for a message: bounded, control bytes replaced. */
static void printable(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[i] = 0;
}

static const struct {
    const char *type;
    pc_compression comp;
} layer_types[] = {
    {"application/vnd.oci.image.layer.v1.tar", PC_COMP_NONE},
    {"application/vnd.oci.image.layer.v1.tar+gzip", PC_COMP_GZIP},
    {"application/vnd.oci.image.layer.v1.tar+zstd", PC_COMP_ZSTD},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", PC_COMP_GZIP},
    {"application/vnd.docker.image.rootfs.diff.tar", PC_COMP_NONE},
};

/* Layers that registries may not serve and that usually point elsewhere
 * (urls): we cannot see their bytes, so we cannot vouch for them. */
static const char *const nondistributable[] = {
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};

int pc_layer_media_type(const char *mt, pc_compression *comp, pc_err *e)
{
    char shown[160];
    printable(mt ? mt : "(none)", shown, sizeof shown);
    if (!mt)
        return pc_err_set(e, "unknown layer media type %s", shown);
    for (size_t i = 0; i < sizeof layer_types / sizeof layer_types[0]; i++) {
        if (strcmp(mt, layer_types[i].type) == 0) {
            if (comp)
                *comp = layer_types[i].comp;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof nondistributable / sizeof nondistributable[0]; i++) {
        if (strcmp(mt, nondistributable[i]) == 0)
            return pc_err_set(e, "non-distributable layer media type %s is not supported", shown);
    }
    return pc_err_set(e, "unknown layer media type %s", shown);
}

pc_decode_class pc_layer_decode_class(const char *mt)
{
    /* containerd: "" for the OCI tar (read as is), "unknown" for Docker's
     * uncompressed type and gzip/zstd for the rest, all of which go
     * through DecompressStream, which sniffs. */
    return mt && strcmp(mt, "application/vnd.oci.image.layer.v1.tar") == 0 ? PC_DECODE_RAW
                                                                           : PC_DECODE_SNIFF;
}

const char *pc_decode_class_name(pc_decode_class c)
{
    return c == PC_DECODE_RAW ? "raw" : "sniff";
}

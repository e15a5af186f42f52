/*
 * fuzz_caps.c — libFuzzer target: a security.capability xattr value from
 * a layer's PAX records (lib/layer/caps.c pc_filecap_decode), decoded and
 * formatted into buffers of every small size. Checked: only the sizes the
 * kernel takes (12, 20, 24 bytes for revisions 1, 2, 3) decode; a v1
 * value has no upper capability bits; the formatted text always ends
 * inside its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *p = fz_memdup(data, size);
    if (!p)
        return 0;
    pc_filecap c;
    if (pc_filecap_decode(p, size, &c) == 0) {
        FZ_CHECK(size == 12 || size == 20 || size == 24, "decoded %zu bytes", size);
        FZ_CHECK(size != 12 || ((c.permitted | c.inheritable) >> 32) == 0, "v1 with high bits");
        FZ_CHECK(size == 24 || c.rootid == 0, "rootid outside v3");
        char full[2048];
        pc_filecap_format(&c, full, sizeof full);
        for (size_t n = 1; n < 48; n++) {
            char *b = malloc(n);
            if (!b)
                break;
            pc_filecap_format(&c, b, n);
            FZ_CHECK(memchr(b, 0, n) && strncmp(b, full, strlen(b)) == 0, "format into %zu", n);
            free(b);
        }
    }
    for (int i = -1; i <= PC_CAP_MAX; i++) {
        const char *name = pc_cap_name(i);
        if (name)
            FZ_CHECK(pc_cap_from_name(name) == i, "cap %d name %s", i, name);
    }
    char *s = fz_strndup(data, size);
    if (s) {
        int k = pc_cap_from_name(s);
        FZ_CHECK(k < 0 || pc_cap_name(k), "%d has no name", k);
        free(s);
    }
    free(p);
    return 0;
}

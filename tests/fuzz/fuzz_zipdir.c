/*
 * fuzz_zipdir.c — libFuzzer target: a zip archive's central directory
 * (lib/yara/zipdir.c) read from the end of the input, then each entry's
 * data found through its local header. The input is the archive, in an
 * exact-size buffer, read whole (base 0) and, as a streaming caller holds
 * it, from its middle on (base: where that is). Checked: the result is
 * 1, 0 or -1, with no entries unless 1 and a reason unless 1; at most the
 * entry limit; every local header offset below the archive's end; data
 * found within the bytes (csize of them); names bounded and free of
 * control bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "yara/zipdir.h"

#define MAX_ENTRIES 1000u /* below what 64 KiB can hold (46 bytes an entry) */

static void read_at(const unsigned char *p, size_t n, uint64_t base)
{
    pc_zipdir d;
    char why[128];
    int rc = pc_zipdir_read(p, n, base, MAX_ENTRIES, &d, why, sizeof why);
    FZ_CHECK(rc == 1 || rc == 0 || rc == -1, "result %d", rc);
    if (rc != 1) {
        FZ_CHECK(d.n == 0 && d.v == NULL, "%zu entries with result %d", d.n, rc);
        FZ_CHECK(why[0] != 0 && strlen(why) < sizeof why, "no reason for result %d", rc);
        return;
    }
    FZ_CHECK(d.n <= MAX_ENTRIES, "%zu entries", d.n);
    for (size_t i = 0; i < d.n; i++) {
        const pc_zipent *e = &d.v[i];
        FZ_CHECK(e->lho < base + n, "entry %zu: local header at %llu of %llu", i,
                 (unsigned long long)e->lho, (unsigned long long)(base + n));
        size_t len = strlen(e->name);
        FZ_CHECK(len > 0 && len <= PC_MEMBERS_NAME_MAX, "entry %zu: name of %zu bytes", i, len);
        for (size_t k = 0; k < len; k++)
            FZ_CHECK((unsigned char)e->name[k] >= 0x20 && e->name[k] != 0x7f,
                     "entry %zu: control byte in its name", i);
        uint64_t off;
        if (pc_zipdir_data(p, n, base, e, &off) == 0) {
            FZ_CHECK(off >= e->lho + 30 && off >= base && off - base <= n &&
                         e->csize <= n - (off - base),
                     "entry %zu: data at %llu, %llu bytes", i, (unsigned long long)off,
                     (unsigned long long)e->csize);
            if (e->csize) { /* the bytes are readable */
                volatile unsigned char sink = p[off - base] ^ p[off - base + e->csize - 1];
                (void)sink;
            }
        }
    }
    pc_zipdir_free(&d);
    FZ_CHECK(d.v == NULL && d.n == 0, "not emptied");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *p = fz_memdup(data, size);
    if (!p)
        return 0;
    read_at(p, size, 0);
    size_t half = size / 2;
    unsigned char *t = fz_memdup(p + half, size - half);
    if (t)
        read_at(t, size - half, half);
    free(t);
    free(p);
    return 0;
}

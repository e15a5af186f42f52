/*
 * fuzz_upx.c — libFuzzer target: a program packed by UPX (lib/yara/upx.c),
 * the input being the packed file, in an exact-size buffer. Checked: the
 * result is 1, 0 or -1; pc_upx_sniff says 0 exactly when unpacking does
 * (a file not packed by UPX); output only when 1, within the bound, an
 * ELF header first; a reason when -1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "yara/upx.h"

#define MAX_OUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *p = fz_memdup(data, size), *o = NULL;
    if (!p)
        return 0;
    size_t ol = 0;
    pc_err e = {{0}};
    int sniff = pc_upx_sniff(p, size);
    int rc = pc_upx_unpack(p, size, MAX_OUT, &o, &ol, &e);
    FZ_CHECK(rc == 1 || rc == 0 || rc == -1, "result %d", rc);
    FZ_CHECK((rc == 0) == (sniff == 0), "sniff %d, unpack %d", sniff, rc);
    if (rc == 1) {
        FZ_CHECK(o != NULL && ol >= 52 && ol <= MAX_OUT, "%zu bytes out", ol);
        FZ_CHECK(o && memcmp(o, "\x7f"
                                "ELF",
                             4) == 0,
                 "no ELF header out");
    } else {
        FZ_CHECK(o == NULL && ol == 0, "output with result %d", rc);
    }
    if (rc == -1)
        FZ_CHECK(e.msg[0] != 0, "no reason");
    free(o);
    free(p);
    return 0;
}

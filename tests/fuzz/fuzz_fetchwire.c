/*
 * fuzz_fetchwire.c — libFuzzer target: what the registry process reads
 * from the scanning process (lib/registry/fetchwire.c), which may have
 * been taken over by an image it parsed: a request packet, and (for the
 * other direction) a frame header. Checked: a packet that decodes
 * re-encodes to the same bytes (strings NUL-free, at most
 * PC_FW_STR_MAX, a string not given empty); a frame header that parses
 * is within its type's bound.
 */
#include <stdint.h>
#include <string.h>
#include "../../lib/registry/fetchwire.h"
#include "fuzz.h"

static unsigned char out[PC_FW_PKT_MAX];
static pc_fw_in in;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= PC_FF_HDR) {
        uint8_t t;
        uint32_t l;
        if (!pc_ff_parse(data, &t, &l))
            FZ_CHECK(l <= PC_FF_DATA_MAX, "frame '%c' of %u bytes", t, l);
    }
    if (pc_fw_decode(data, size, &in))
        return 0;
    pc_fw_req rq = {.op = in.op, .id = in.id, .ctx = in.ctx, .flags = in.flags, .num = in.num};
    for (int i = 0; i < PC_FW_NSTR; i++) {
        size_t l = strlen(in.s[i]);
        FZ_CHECK(l <= PC_FW_STR_MAX, "string %d of %zu bytes", i, l);
        FZ_CHECK(in.given[i] || l == 0, "string %d not given has %zu bytes", i, l);
        rq.s[i] = in.given[i] ? in.s[i] : NULL;
    }
    size_t n = pc_fw_encode(&rq, out);
    FZ_CHECK(n == size && memcmp(out, data, size) == 0, "re-encoded %zu bytes of %zu differ", n,
             size);
    return 0;
}

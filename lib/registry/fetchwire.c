/*
 * fetchwire.c — encoding and strict decoding of the registry process's
 * requests and answer frames (fetchwire.h). The registry process decodes
 * what the scanning process sends, which has read untrusted images: every
 * length is checked against the packet before it is used.
 */
#include <string.h>
#include "registry/fetchwire.h"

static void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint32_t get16(const unsigned char *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const unsigned char *p)
{
    return get16(p) << 16 | get16(p + 2);
}

size_t pc_fw_encode(const pc_fw_req *rq, unsigned char *out)
{
    uint32_t present = 0;
    size_t at = PC_FW_HDR;
    for (int i = 0; i < PC_FW_NSTR; i++) {
        size_t l = rq->s[i] ? strnlen(rq->s[i], PC_FW_STR_MAX + 1) : 0;
        if (l > PC_FW_STR_MAX)
            return 0;
        present |= rq->s[i] ? 1u << i : 0;
        put16(out + at, (uint32_t)l);
        memcpy(out + at + 2, rq->s[i] ? rq->s[i] : "", l);
        at += 2 + l;
    }
    memcpy(out, "PCFQ", 4);
    out[4] = 1;
    out[5] = rq->op;
    put16(out + 6, present);
    put32(out + 8, rq->id);
    put32(out + 12, rq->ctx);
    out[16] = rq->flags;
    put32(out + 17, (uint32_t)(rq->num >> 32));
    put32(out + 21, (uint32_t)rq->num);
    return at;
}

const char *pc_fw_decode(const unsigned char *p, size_t n, pc_fw_in *in)
{
    if (n < PC_FW_HDR)
        return "truncated header";
    if (n > PC_FW_PKT_MAX)
        return "packet too long";
    if (memcmp(p, "PCFQ", 4) != 0)
        return "bad magic";
    if (p[4] != 1)
        return "unknown version";
    if (p[5] < 1 || p[5] > PC_FW_OP_LAST)
        return "unknown op";
    uint32_t present = get16(p + 6);
    if (present >> PC_FW_NSTR)
        return "reserved bits set";
    in->op = p[5];
    in->id = get32(p + 8);
    in->ctx = get32(p + 12);
    in->flags = p[16];
    in->num = (uint64_t)get32(p + 17) << 32 | get32(p + 21);
    size_t at = PC_FW_HDR;
    for (int i = 0; i < PC_FW_NSTR; i++) {
        if (n - at < 2)
            return "truncated string length";
        size_t l = get16(p + at);
        at += 2;
        if (l > PC_FW_STR_MAX)
            return "string too long";
        if (n - at < l)
            return "truncated string";
        if (memchr(p + at, 0, l))
            return "NUL in a string";
        if (!(present >> i & 1) && l)
            return "a string not given has bytes";
        memcpy(in->s[i], p + at, l);
        in->s[i][l] = 0;
        in->given[i] = (int)(present >> i & 1);
        at += l;
    }
    if (at != n)
        return "trailing bytes";
    return NULL;
}

void pc_ff_hdr(unsigned char h[PC_FF_HDR], uint8_t type, uint32_t len)
{
    h[0] = type;
    put32(h + 1, len);
}

const char *pc_ff_parse(const unsigned char h[PC_FF_HDR], uint8_t *type, uint32_t *len)
{
    *type = h[0];
    *len = get32(h + 1);
    switch (*type) {
    case PC_FF_OPENED:
    case PC_FF_END:
        return *len == 0 ? NULL : "a frame that carries nothing has bytes";
    case PC_FF_META:
        return *len <= 255 ? NULL : "media type too long";
    case PC_FF_ERR:
        return *len <= PC_FF_MSG_MAX ? NULL : "message too long";
    case PC_FF_DATA:
        return *len >= 1 && *len <= PC_FF_DATA_MAX ? NULL : "data frame of a bad size";
    default:
        return "unknown frame type";
    }
}

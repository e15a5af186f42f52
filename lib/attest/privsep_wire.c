/*
 * privsep_wire.c — the request and reply codec of key processes (see
 * privsep.h). Every length is checked against its maximum and against the
 * packet's size before a byte it announces is looked at.
 */
#include <string.h>
#include "attest/privsep.h"

void pc_ps_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

uint32_t pc_ps_get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static uint16_t get16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The first 12 bytes both packets share: magic, version, the op or the
 * status, 16 reserved bits and the id. */
static void put_header(unsigned char *buf, uint32_t magic, uint8_t kind, uint32_t id)
{
    pc_ps_put32(buf, magic);
    buf[4] = PC_PS_VERSION;
    buf[5] = kind;
    put16(buf + 6, 0);
    pc_ps_put32(buf + 8, id);
}

size_t pc_ps_req_encode(unsigned char *buf, size_t cap, uint8_t op, uint32_t id, const void *body,
                        size_t len)
{
    if (len > PC_PS_REQ_MAX || cap < PC_PS_HDR || len > cap - PC_PS_HDR)
        return 0;
    put_header(buf, PC_PS_MAGIC_REQ, op, id);
    pc_ps_put32(buf + 12, (uint32_t)len);
    if (len)
        memcpy(buf + PC_PS_HDR, body, len);
    return PC_PS_HDR + len;
}

size_t pc_ps_rep_encode(unsigned char *buf, size_t cap, uint8_t status, uint32_t id,
                        const void *data, size_t dlen, const char *msg, size_t mlen)
{
    if (dlen > PC_PS_DATA_MAX || mlen > PC_PS_MSG_MAX || cap < PC_PS_HDR ||
        dlen + mlen > cap - PC_PS_HDR)
        return 0;
    put_header(buf, PC_PS_MAGIC_REP, status, id);
    put16(buf + 12, (uint16_t)dlen);
    put16(buf + 14, (uint16_t)mlen);
    if (dlen)
        memcpy(buf + PC_PS_HDR, data, dlen);
    if (mlen)
        memcpy(buf + PC_PS_HDR + dlen, msg, mlen);
    return PC_PS_HDR + dlen + mlen;
}

static int header(const unsigned char *pkt, size_t n, uint32_t magic)
{
    if (n < PC_PS_HDR)
        return PC_PS_ETRUNC;
    if (pc_ps_get32(pkt) != magic)
        return PC_PS_EMAGIC;
    if (pkt[4] != PC_PS_VERSION)
        return PC_PS_EVERSION;
    if (get16(pkt + 6) != 0)
        return PC_PS_ERESERVED;
    return PC_PS_OK;
}

/* The announced body length against the bytes the packet holds. */
static int body_fits(size_t n, size_t want)
{
    size_t have = n - PC_PS_HDR;
    return want > have ? PC_PS_ETRUNC : want < have ? PC_PS_ETRAIL : PC_PS_OK;
}

int pc_ps_req_decode(const unsigned char *pkt, size_t n, pc_ps_req *out)
{
    int rc = header(pkt, n, PC_PS_MAGIC_REQ);
    if (rc != PC_PS_OK)
        return rc;
    uint32_t len = pc_ps_get32(pkt + 12);
    if (len > PC_PS_REQ_MAX)
        return PC_PS_ETOOBIG;
    if ((rc = body_fits(n, len)) != PC_PS_OK)
        return rc;
    out->op = pkt[5];
    out->id = pc_ps_get32(pkt + 8);
    out->len = len;
    out->body = pkt + PC_PS_HDR;
    return PC_PS_OK;
}

int pc_ps_rep_decode(const unsigned char *pkt, size_t n, pc_ps_rep *out)
{
    int rc = header(pkt, n, PC_PS_MAGIC_REP);
    if (rc != PC_PS_OK)
        return rc;
    uint16_t dlen = get16(pkt + 12), mlen = get16(pkt + 14);
    if (dlen > PC_PS_DATA_MAX || mlen > PC_PS_MSG_MAX)
        return PC_PS_ETOOBIG;
    if ((rc = body_fits(n, (size_t)dlen + mlen)) != PC_PS_OK)
        return rc;
    out->status = pkt[5];
    out->id = pc_ps_get32(pkt + 8);
    out->dlen = dlen;
    out->data = pkt + PC_PS_HDR;
    out->mlen = mlen;
    out->msg = (const char *)pkt + PC_PS_HDR + dlen;
    return PC_PS_OK;
}

const char *pc_ps_strerror(int code)
{
    switch (code) {
    case PC_PS_OK:
        return "ok";
    case PC_PS_ETRUNC:
        return "truncated packet";
    case PC_PS_EMAGIC:
        return "wrong magic";
    case PC_PS_EVERSION:
        return "unknown protocol version";
    case PC_PS_ERESERVED:
        return "reserved bits set";
    case PC_PS_ETOOBIG:
        return "length above the maximum";
    case PC_PS_ETRAIL:
        return "bytes after the payload";
    default:
        return "unknown error";
    }
}

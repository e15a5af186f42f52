/*
 * fetchwire.h — the wire between the scanning process and its registry
 * process (pc-fetch, fetch.h; docs/privsep.md).
 *
 * A request is one SOCK_SEQPACKET packet on the control socket, carrying
 * (for every op that answers) one descriptor in SCM_RIGHTS: the request's
 * own SOCK_STREAM socket, on which the answer comes back as frames and
 * which is closed after the last one. So answers never share a channel,
 * a layer stream is as long as it needs to be, and the registry process
 * answers many requests at once. All integers are big-endian.
 *
 *   request: "PCFQ" | u8 version=1 | u8 op | u16 present | u32 id | u32 ctx
 *            | u8 flags | u64 num | 4 x (u16 len | len bytes)
 *   frame:   u8 type | u32 len | len bytes
 *
 * The four strings of a request (present: bit i set when string i is
 * given, an empty string otherwise) hold no NUL and are at most
 * PC_FW_STR_MAX bytes; a packet is exactly its header and its strings.
 *
 *   op           id        ctx    flags        num          strings
 *   CTX_NEW      ctx id    -      creds kind   -            secret
 *   CTX_FREE     ctx id    -      -            -            -           (no answer)
 *   OPEN         client id ctx id tls_verify   deadline ms  domain, repo, cert_dir, authfile
 *   CLOSE        client id -      -            -            -           (no answer)
 *   MANIFEST     client id -      -            max bytes    reference
 *   BLOB         client id -      -            max bytes    digest
 *   BLOB_OPEN    client id -      -            size (i64)   digest
 *   CTX_ALLOW    ctx id    -      -            -            domain, repo
 *   (the seal)   ctx id    -      tls_verify   -            -, -, cert_dir, authfile
 *
 * Answers: OPENED (BLOB_OPEN: the blob answered; data follows), META
 * (MANIFEST: the Content-Type's media type), DATA (body bytes, at most
 * PC_FF_DATA_MAX a frame), and one END (done) or ERR (a message) last.
 */
#ifndef PC_FETCHWIRE_H
#define PC_FETCHWIRE_H

#include <stddef.h>
#include <stdint.h>

#define PC_FW_HDR 25
#define PC_FW_NSTR 4
#define PC_FW_STR_MAX 4096
#define PC_FW_PKT_MAX (PC_FW_HDR + PC_FW_NSTR * (2 + PC_FW_STR_MAX))

enum {
    PC_FW_CTX_NEW = 1,
    PC_FW_CTX_FREE,
    PC_FW_OPEN,
    PC_FW_CLOSE,
    PC_FW_MANIFEST,
    PC_FW_BLOB,
    PC_FW_BLOB_OPEN,
    PC_FW_CTX_ALLOW, /* the context opens only the repositories allowed (before its first OPEN) */
    PC_FW_OP_LAST = PC_FW_CTX_ALLOW
};
#define PC_FW_ALLOW_MAX 4096 /* repositories one context may be bound to */

/* CTX_NEW's flags: what its secret is */
enum { PC_FW_CREDS_NONE = 0, PC_FW_CREDS_BASIC = 1, PC_FW_CREDS_TOKEN = 2 };

typedef struct pc_fw_req {
    uint8_t op;
    uint32_t id, ctx;
    uint8_t flags;
    uint64_t num;
    const char *s[PC_FW_NSTR]; /* NULL: not given */
} pc_fw_req;

/* A decoded request: its strings NUL-terminated. */
typedef struct pc_fw_in {
    uint8_t op;
    uint32_t id, ctx;
    uint8_t flags;
    uint64_t num;
    int given[PC_FW_NSTR];
    char s[PC_FW_NSTR][PC_FW_STR_MAX + 1];
} pc_fw_in;

/* Encode into out (at least PC_FW_PKT_MAX): its length, or 0 when a
 * string is too long or holds a NUL. */
size_t pc_fw_encode(const pc_fw_req *rq, unsigned char *out);
/* Decode one packet of n bytes: NULL when well formed, else what is
 * wrong with it. */
const char *pc_fw_decode(const unsigned char *p, size_t n, pc_fw_in *in);

/* answer frames */
#define PC_FF_HDR 5
#define PC_FF_DATA_MAX (256u << 10)
#define PC_FF_MSG_MAX 1023
enum { PC_FF_OPENED = 'O', PC_FF_META = 'M', PC_FF_DATA = 'D', PC_FF_END = 'Z', PC_FF_ERR = 'E' };

void pc_ff_hdr(unsigned char h[PC_FF_HDR], uint8_t type, uint32_t len);
/* A frame header read: NULL when its type is known and its length within
 * that type's bound, else what is wrong. */
const char *pc_ff_parse(const unsigned char h[PC_FF_HDR], uint8_t *type, uint32_t *len);

#endif

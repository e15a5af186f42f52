/*
 * portcullis_keyproc.h — privilege separation: key processes and the wire to them
 * (docs/privsep.md).
 *
 * A key process is forked before anything untrusted is read. It holds one
 * private key, locks itself in (seccomp: its socket, reading its key file,
 * memory; nothing else) and answers fixed-format binary requests on a
 * SOCK_SEQPACKET socketpair, one packet per request and per reply. The
 * process that parses images, JSON and HTTP never has the key in memory.
 *
 * Request, big-endian:  "PCSQ" | u8 version | u8 op | u16 flags = 0 |
 *                       u32 id | u32 len | len bytes (len <= PC_PS_REQ_MAX)
 * Reply, big-endian:    "PCSP" | u8 version | u8 status | u16 0 |
 *                       u32 id | u16 dlen | u16 mlen | dlen data bytes |
 *                       mlen message bytes (text, no NUL)
 *                       (dlen <= PC_PS_DATA_MAX, mlen <= PC_PS_MSG_MAX)
 * A packet is exactly its header plus its lengths: shorter is truncated,
 * longer has trailing bytes; both are refused. What the bytes of a request
 * mean is the op's business (lib/attest/signer.c, webhook/tlskey.c); nothing here
 * interprets them.
 */
#ifndef PORTCULLIS_KEYPROC_H
#define PORTCULLIS_KEYPROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PC_PS_MAGIC_REQ 0x50435351u /* "PCSQ" */
#define PC_PS_MAGIC_REP 0x50435350u /* "PCSP" */
#define PC_PS_VERSION 1

enum {
    PC_PS_HDR = 16,
    PC_PS_REQ_MAX = 65536, /* payload bytes of one request */
    PC_PS_DATA_MAX = 4096, /* data bytes of one reply (an RSA-16384 signature fits) */
    PC_PS_MSG_MAX = 512,   /* message bytes of one reply */
};

/* What a decoder says about a packet. */
enum {
    PC_PS_OK = 0,
    PC_PS_ETRUNC = -1,    /* shorter than a header, or than the lengths it announces */
    PC_PS_EMAGIC = -2,    /* not a request (or not a reply) */
    PC_PS_EVERSION = -3,  /* another version of the protocol */
    PC_PS_ERESERVED = -4, /* flags / reserved bits set */
    PC_PS_ETOOBIG = -5,   /* a length above its maximum */
    PC_PS_ETRAIL = -6,    /* bytes after the announced lengths */
};

/* Reply status. */
enum {
    PC_PS_ST_OK = 0,
    PC_PS_ST_BAD_PACKET = 1, /* the request did not decode */
    PC_PS_ST_UNKNOWN_OP = 2,
    PC_PS_ST_BAD_ARGS = 3, /* the payload has the wrong size or values for the op */
    PC_PS_ST_FAILED = 4,   /* the operation failed (the message says why) */
};

/* Op 0 is no request: the key process's first packet, a reply with id 0,
 * says whether its key loaded (status OK, data: what the kind of key
 * process announces) or not (status FAILED, message: why). */

typedef struct pc_ps_req {
    uint8_t op;
    uint32_t id;
    const unsigned char *body; /* points into the packet */
    uint32_t len;
} pc_ps_req;

typedef struct pc_ps_rep {
    uint8_t status;
    uint32_t id;
    const unsigned char *data; /* points into the packet */
    uint16_t dlen;
    const char *msg; /* points into the packet, not NUL-terminated */
    uint16_t mlen;
} pc_ps_rep;

/* Encoders: the packet length, or 0 when a length is above its maximum
 * or the packet does not fit in cap bytes. */
size_t pc_ps_req_encode(unsigned char *buf, size_t cap, uint8_t op, uint32_t id, const void *body,
                        size_t len);
size_t pc_ps_rep_encode(unsigned char *buf, size_t cap, uint8_t status, uint32_t id,
                        const void *data, size_t dlen, const char *msg, size_t mlen);
/* Decoders: PC_PS_OK with out filled (pointing into pkt), or a PC_PS_E*
 * code and out untouched. */
int pc_ps_req_decode(const unsigned char *pkt, size_t n, pc_ps_req *out);
int pc_ps_rep_decode(const unsigned char *pkt, size_t n, pc_ps_rep *out);
const char *pc_ps_strerror(int code);

/* Big-endian helpers for op payloads. */
void pc_ps_put32(unsigned char *p, uint32_t v);
uint32_t pc_ps_get32(const unsigned char *p);

/* --- key processes (privsep_proc.c) */

/* A kind of key process. Both hooks run in the child only. */
typedef struct pc_keyproc_ops {
    const char *name; /* process name (comm), e.g. "pc-signer" */
    /* Before the sandbox: load the key (st is the child's copy of what the
     * parent prepared). 0 with the hello data in data/dlen (at most
     * PC_PS_DATA_MAX), or -1 with a message in msg. */
    int (*init)(void *st, unsigned char *data, size_t *dlen, char *msg, size_t msglen);
    /* Inside the sandbox: one decoded request. Returns a PC_PS_ST_*; data
     * and msg (msglen bytes of room, NUL-terminated on return) are the
     * reply's. */
    int (*handle)(void *st, const pc_ps_req *rq, unsigned char *data, size_t *dlen, char *msg,
                  size_t msglen);
} pc_keyproc_ops;

typedef struct pc_keyproc pc_keyproc;

typedef struct pc_ps_answer {
    uint8_t status;
    unsigned char data[PC_PS_DATA_MAX];
    size_t dlen;
    char msg[PC_PS_MSG_MAX + 1];
} pc_ps_answer;

/* Fork a key process. Call it before anything untrusted is read and
 * before any thread exists: the child is a copy of this process as it is
 * now. Call it from the thread that outlives the key process (main): the
 * key process is killed when that thread ends (PR_SET_PDEATHSIG). st
 * (st_size bytes) is what init gets; it must hold no secret (it is a
 * path, typically). On success *out is the client end and hello the first
 * packet's data; on failure -1 and err says why (the key process's own
 * message when its key did not load). */
int pc_keyproc_start(const pc_keyproc_ops *ops, const void *st, size_t st_size, pc_keyproc **out,
                     pc_ps_answer *hello, char *err, size_t errlen);
/* One request and its reply (thread-safe; calls are serialised). 0 with
 * the reply in a (whatever its status), or -1 when the key process is
 * gone, hung (no reply within 10 s) or answered out of protocol: it is
 * then dead for good (killed and reaped) and err says why. */
int pc_keyproc_call(pc_keyproc *kp, uint8_t op, const void *body, size_t len, pc_ps_answer *a,
                    char *err, size_t errlen);
/* pc_keyproc_call for a request that must succeed: -1 also when the reply's
 * status is not OK, with the key process's message in err, or refused
 * ("the signing key process refused") when it gave none. */
int pc_keyproc_ask(pc_keyproc *kp, uint8_t op, const void *body, size_t len, pc_ps_answer *a,
                   const char *refused, char *err, size_t errlen);
/* pkt exactly as given (n bytes), and the reply to id: what tests use to
 * show how a key process answers packets the codec would never make. */
int pc_keyproc_call_raw(pc_keyproc *kp, const void *pkt, size_t n, uint32_t id, pc_ps_answer *a,
                        char *err, size_t errlen);
/* 1 while the key process runs; 0 once it is gone (why, when not NULL,
 * gets how it ended: "exited with status 1", "killed by signal 9"). */
int pc_keyproc_alive(pc_keyproc *kp, char *why, size_t whylen);
pid_t pc_keyproc_pid(const pc_keyproc *kp);
/* Close the socket (the key process exits on it), reap it, free kp. */
void pc_keyproc_stop(pc_keyproc *kp);

/* Key files (lib/attest/keyfile.c), read in a key process only: opened
 * once and checked on the open descriptor (no check-then-open race), a
 * regular file of bounded size, and, for the verdict signing key, refused
 * when anyone but its owner may access it. */
/* The bytes of path (malloc'd, NUL after them) in *out and *len. what
 * names the key in messages ("signing key"). owner_only: refuse a mode
 * with any group or other bit. -1 with a message (the path and what is
 * wrong, never a byte of the file) in err. */
int pc_keyfile_read(const char *path, const char *what, int owner_only, size_t max, char **out,
                    size_t *len, char *err, size_t errlen);
/* Copy a key file's path into a key process's state (st, for
 * pc_keyproc_start; cap bytes): -1 with "PATH...: path too long" in err
 * when it does not fit. */
int pc_keyfile_path(char *dst, size_t cap, const char *path, char *err, size_t errlen);
/* Wipe and free what pc_keyfile_read returned. */
void pc_keyfile_free(char *buf, size_t len);

#endif

/*
 * pcx.h — the small helpers the library and both tools share (as curl's
 * curlx): errors, checked allocation, bounded file reading, a growable
 * string, the one grammar of durations and sizes every flag of both tools
 * takes, base64 (on OpenSSL) and the UTF-8 shaping of messages. Defined in
 * lib/pcx/; the tools link them from libportcullis.
 */
#ifndef PCX_H
#define PCX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct pc_err {
    char msg[1024];
} pc_err;

/* printf-style; always returns -1 so callers can `return pc_err_set(...)`. */
int pc_err_set(pc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the existing message: "prefix: old message". Returns -1. */
int pc_err_prefix(pc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* calloc-like: NULL on overflow or out of memory. */
void *pc_calloc(size_t n, size_t size);
/* SipHash-c-d (Aumasson and Bernstein, 2012) of n bytes at p under the
 * 128-bit key k (k[0]: its first 8 bytes, little-endian): a keyed hash
 * for tables whose keys a client chooses (without k, which keys share a
 * bucket cannot be worked out). Tables use SipHash-1-3 (c 1, d 3);
 * SipHash-2-4 is the paper's own and is checked against its vector. */
uint64_t pc_siphash(const void *p, size_t n, const uint64_t k[2], int c, int d);

/* Called first in main by both tools: malloc gives big blocks back to the
 * kernel when they are freed instead of keeping them in a thread's heap
 * (malloctune.c says why and what it measured). */
void pc_malloc_tune(void);

/* realloc an array to n elements of size bytes; NULL (old kept) on overflow. */
void *pc_reallocarray(void *p, size_t n, size_t size);
/* Grow *arr (element size `size`) so it has room for `need` elements. */
int pc_grow(void **arr, size_t *cap, size_t need, size_t size);
/* a + b, or UINT64_MAX when it does not fit. */
uint64_t pc_add_sat(uint64_t a, uint64_t b);
char *pc_strdup(const char *s);
char *pc_strndup(const char *s, size_t n);
/* The 16-, 32- or 64-bit little-endian, or 32-bit big-endian, integer at p. */
uint16_t pc_le16(const unsigned char *p);
uint32_t pc_le32(const unsigned char *p);
uint64_t pc_le64(const unsigned char *p);
uint32_t pc_be32(const unsigned char *p);
/* The size-byte (at most 8) unsigned integer at p, big-endian when be,
 * else little-endian: a field of a format of either byte order (ELF). */
uint64_t pc_uint_at(const unsigned char *p, size_t size, int be);
char *pc_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy a hostile string for a message: bounded, control bytes shown as '?'
 * (lib/pcx/safestr.c). */
void pc_safe_str(const char *s, char *out, size_t n);

/* Read a whole file of at most max bytes (NUL-terminated copy). */
int pc_read_file(const char *path, size_t max, char **out, size_t *len, pc_err *e);
/* path and its missing parents made (mode 0700): 0, or -1 with errno. */
int pc_mkdir_p(const char *path);
/* Exactly n bytes from or to fd, retrying short reads/writes and EINTR:
 * 0, or -1 on an error or (reading) an end of file before n bytes. */
int pc_read_full(int fd, void *buf, size_t n);
int pc_write_full(int fd, const void *buf, size_t n);
/* One packet of n bytes on a SOCK_SEQPACKET socket, with descriptor fd in
 * SCM_RIGHTS (fd < 0: none), retrying EINTR, no SIGPIPE: 0 when it went
 * whole, -1 otherwise. */
int pc_send_packet(int sock, const void *p, size_t n, int fd);
/* A new file in dir (NULL or "": $TMPDIR, else /tmp) that has no name
 * (O_TMPFILE, else one removed at once), read and written by this process
 * alone and gone with its descriptor: the descriptor, or -1 (lib/pcx/tmpfile.c). */
int pc_tmpfile(const char *dir);

/* First thing in a forked helper process (a key process, the registry
 * process): sock becomes descriptor at (> 2), stdin and stdout /dev/null,
 * stderr stays, every other descriptor is closed; it is killed when its
 * parent dies (-1 when parent already has), not dumpable, named name
 * (comm), with no signal blocked, SIGINT and SIGPIPE ignored. 0, or -1:
 * the caller _exits. */
int pc_child_setup(int sock, int at, pid_t parent, const char *name);
/* In the parent: reap child pid if it has ended, once (*reaped set), and
 * say how into why ("exited with status 1", "was killed by signal 9
 * (Killed)"). 1 once it has ended (now or before). */
int pc_child_reap(pid_t pid, int *reaped, char *why, size_t whylen);
/* Wait up to ms (each millisecond) for it to end, then kill and reap it. */
void pc_child_wait(pid_t pid, int *reaped, char *why, size_t whylen, unsigned ms);
/* The threads this process runs (/proc/self/stat's num_threads); 0 when
 * it cannot be read. A fork copies no lock another thread holds only when
 * it is 1, and Landlock confines only the calling thread (landlock.c). */
int pc_thread_count(void);

/* Monotonic milliseconds. */
uint64_t pc_now_ms(void);

/* Growable NUL-terminated string (zero-initialised). oom is sticky: once
 * an append failed, every later append is a no-op and the owner must fail. */
typedef struct pc_buf {
    char *p;
    size_t len, cap;
    int oom;
} pc_buf;
void pc_buf_add(pc_buf *b, const char *s, size_t n);
void pc_buf_puts(pc_buf *b, const char *s);
void pc_buf_printf(pc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free the string and reset the buffer (oom included) for reuse. */
void pc_buf_free(pc_buf *b);
/* Hand over the string ("" when nothing was added; NULL when out of
 * memory); the buffer is reset either way. */
char *pc_buf_take(pc_buf *b);
/* s as a JSON string, the bytes jansson's dump of pc_json_string(s) gives
 * (lib/pcx/jsonstr.c); NULL appends null. */
void pc_buf_json_str(pc_buf *b, const char *s);

/* Durations and sizes: ONE grammar for every flag of both tools (README,
 * "Durations and sizes"; lib/pcx/duration.c).
 * A duration is one or more INTEGER UNIT terms that add up, units ms, s,
 * m, h, d ("500ms", "90s", "1h30m", "7d", "2d12h"), or a bare integer,
 * meaning seconds ("3600"). No sign, space or fraction; at most 32
 * characters. -1 (and *ms untouched) when malformed or above max_ms. */
int pc_parse_duration(const char *s, uint64_t max_ms, uint64_t *ms);
/* --verdict-ttl, the same in both tools: a duration from 1s to 366d, in
 * whole seconds (a fraction of a second is dropped). */
#define PC_VERDICT_TTL_MAX_S (366ull * 24 * 3600)
int pc_parse_verdict_ttl(const char *s, uint64_t *seconds);
/* A size is an INTEGER with an optional binary unit K, M or G (either
 * case: 1024, 1024^2, 1024^3): "4194304", "64K", "4M", "2G". -1 (and *out
 * untouched) when malformed or above max. */
int pc_parse_size(const char *s, uint64_t max, uint64_t *out);
/* A byte count as people read it, in the binary (IEC) units the sizes
 * above take: "812 B", "5.7 KiB", "12.3 MiB", "1.22 GiB". Every size the
 * text report and the progress lines show goes through it (JSON keeps
 * bytes). */
void pc_format_size(uint64_t v, char *out, size_t n);
/* A plain decimal number ("0".."max", digits only); -1 otherwise. */
int pc_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* Base64, standard alphabet (lib/pcx/base64.c, on OpenSSL's codec).
 * encode: padded, malloc'd, NULL when out of memory.
 * decode: malloc'd NUL-terminated bytes; -1 on any byte outside the
 * alphabet (a NUL included) and on a length no encoding has.
 * pc_base64_decode takes the padding as optional (any '=' run at the end
 * is ignored: docker's config.json "auth"); pc_base64_decode_strict wants
 * the canonical form: length a multiple of 4, at most two '=' at the end. */
char *pc_base64_encode(const void *data, size_t len);
int pc_base64_decode(const char *s, size_t n, char **out, size_t *outlen);
int pc_base64_decode_strict(const char *s, size_t n, char **out, size_t *outlen);

/* UTF-8 (lib/pcx/utf8.c). Length (1-4) of the well-formed sequence at s
 * (RFC 3629: no overlong form, no surrogate, nothing above U+10FFFF) and
 * its code point, or 0 when s does not start one. Never reads past a NUL. */
size_t pc_utf8_decode(const char *s, uint32_t *cp);
/* Replace control characters (and DEL) with '?': one line, no escapes. */
void pc_one_line(char *s);
/* Cut s to at most max bytes on a UTF-8 boundary, ending in "..." when cut
 * (max >= 4). */
void pc_cut_utf8(char *s, size_t max);

#endif

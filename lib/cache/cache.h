/*
 * cache.h — the layer facts cache. Facts depend only on the layer digest,
 * how its bytes are decoded (pc_decode_class: the same blob can read
 * differently raw and sniffed), the rules digest and the scanner version,
 * so a base layer shared by a hundred images is walked once. The facts
 * carry the layer's diff id, which the caller checks against each image's
 * config on a hit as on a walk. One file per layer, written atomically
 * (temporary file + rename), checked (magic, version, key, length,
 * SHA-256) before a byte of it is believed; anything odd is a miss.
 */
#ifndef PC_CACHE_H
#define PC_CACHE_H

#include <stdint.h>
#include "pcx.h"
#include "layer/facts.h"
#include "image/image.h"

typedef struct pc_cache {
    char *dir;          /* .../facts */
    uint64_t max_bytes; /* 0: no cap */
} pc_cache;

/* Open (creating) the cache under dir. Refuses a directory that other
 * users may write or that another user owns: cached facts decide verdicts. */
int pc_cache_open(pc_cache *c, const char *dir, uint64_t max_bytes, pc_err *e);
void pc_cache_close(pc_cache *c);
/* 0 when dir is a directory we own and no other user may write. */
int pc_cache_check_dir(const char *dir, pc_err *e);

/* 1 hit (f filled), 0 miss. Never fails: a bad entry is a miss. */
int pc_cache_get(const pc_cache *c, const char *layer_digest, pc_decode_class cls,
                 const char *rules_digest, pc_layer_facts *f);
/* Store facts (keyed by f->digest and cls); errors are returned but a scan
 * may ignore them. */
int pc_cache_put(const pc_cache *c, pc_decode_class cls, const char *rules_digest,
                 const pc_layer_facts *f, pc_err *e);

typedef struct pc_cache_stats {
    uint64_t entries, bytes;
} pc_cache_stats;
int pc_cache_stats_get(const pc_cache *c, pc_cache_stats *st, pc_err *e);
/* Evict least recently used entries until the cache fits max_bytes
 * (0: remove everything). Also removes stale temporary files. */
int pc_cache_prune(const pc_cache *c, uint64_t max_bytes, pc_err *e);

/* The hex SHA-256 that names an entry (file name, shared-store key). */
void pc_cache_key(const char *layer, pc_decode_class cls, const char *rules, char hex[65]);
/* An entry's bytes (header: magic, format, key, length, SHA-256 of the
 * body; then the body), as the file holds them and a shared store keeps
 * them. encode: 0, or -1 when out of memory (*out malloc'd). decode: 1 hit
 * (f filled), 0 for anything that is not exactly the entry of this key. */
int pc_cache_entry_encode(pc_decode_class cls, const char *rules, const pc_layer_facts *f,
                          unsigned char **out, size_t *outlen);
int pc_cache_entry_decode(const unsigned char *buf, size_t n, const char *layer,
                          pc_decode_class cls, const char *rules, pc_layer_facts *f);

/* Serialisation (cache_codec.c). */
int pc_facts_encode(const pc_layer_facts *f, unsigned char **out, size_t *len);
/* The same bytes after lead bytes left for the caller (a header), in one
 * allocation of exactly lead + *len bytes. */
int pc_facts_encode_lead(const pc_layer_facts *f, size_t lead, unsigned char **out, size_t *len);
/* The same bytes, handed to sink in pieces (0 ok, -1 stops the encoding);
 * *len the number of bytes. Memory: one 64 KiB buffer. */
typedef int (*pc_facts_sink)(void *ud, const void *p, size_t n);
int pc_facts_encode_to(const pc_layer_facts *f, pc_facts_sink sink, void *ud, uint64_t *len);
/* The same bytes written to fd as they are made, hashed on the way: 0, or
 * -1 (errno says why); sha the digest of what was written ("sha256:..."),
 * *len its length. */
int pc_facts_write(int fd, const pc_layer_facts *f, char sha[72], uint64_t *len);
int pc_facts_decode(const unsigned char *p, size_t len, pc_layer_facts *f);

#endif

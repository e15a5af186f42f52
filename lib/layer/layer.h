/*
 * layer.h — walk one layer as a stream and produce its facts: raw bytes →
 * size + SHA-256 → inflate → libarchive tar reader → pc_layer_facts. The
 * facts are returned only when the digest matched the descriptor.
 */
#ifndef PC_LAYER_H
#define PC_LAYER_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include "pcx.h"
#include "layer/facts.h"
#include "image/image.h"
#include "profile/scanlimits.h"
#include "source/stream.h"

/* Content scanners (YARA) see regular files. want() says how many leading
 * bytes of a file it needs to decide (0: skip the file). visit() gets them
 * (head, headlen: at least what it wanted, or the whole file when shorter;
 * more when the walk read more for itself) and a reader over the bytes
 * that follow the head, which it may pull from in pieces of its own size,
 * so a large file goes by in bounded blocks and is never held whole.
 * Return -1 from visit to fail the layer (e filled). */
typedef struct pc_file_reader pc_file_reader;
/* Read up to n bytes following what was read before: the count, 0 at the
 * end of the file, or -1 on error (the message is in visit()'s e). */
ssize_t pc_file_read(pc_file_reader *r, void *buf, size_t n);

typedef struct pc_file_visitor {
    uint64_t (*want)(void *ud, const pc_entry *ent);
    int (*visit)(void *ud, pc_layer_facts *f, pc_entry *ent, const unsigned char *head,
                 size_t headlen, pc_file_reader *rest, pc_err *e);
    void *ud;
} pc_file_visitor;

typedef struct pc_walk_cfg {
    const pc_limits *limits;
    _Atomic uint64_t *files_total; /* shared over the image's layers (walked in parallel) */
    _Atomic uint64_t *bytes_total; /* uncompressed bytes over the image's layers */
    _Atomic int *stop;             /* set by another worker's failure: give up early */
    uint64_t deadline_ms;          /* pc_now_ms() value after which the walk fails; 0: none */
    const pc_file_visitor *visitor;
    uint32_t keep_seq; /* 1 + the seq of an entry whose bytes to keep whole (<= 1 MiB); 0: none */
} pc_walk_cfg;

/* raw is consumed (closed). */
int pc_layer_walk(pc_stream *raw, const pc_layer_desc *ld, const pc_walk_cfg *cfg,
                  pc_layer_facts *out, pc_err *e);

/* Normalise a tar member name to a path relative to the root: drops
 * leading '/', "./", empty and "." components and resolves ".." lexically.
 * -1 when ".." would leave the root or the name is too long. */
int pc_path_normalise(const char *in, char *out, size_t outlen);

#endif

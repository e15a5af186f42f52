/*
 * nested.h — what an image carries inside its files: a tool shipped as
 * a .tar.gz, a .zip, a .deb or a bare .xz is not a tool's bytes until a
 * program of the image unpacks it when it runs (tar xzf, gunzip, dpkg -i),
 * so the content scan would never see it. pc_nest_inspect opens such a
 * file (unwrap.h: gzip, xz, lzma, zstd, bzip2; members.h: tar, zip, ar;
 * also after a script, as self-extracting installers, Python zipapps and
 * executable jars put them; base64 runs in text, b64find.h; programs
 * after other bytes, carve.h; what a program packed by UPX unpacks to,
 * upx.h) and hands every member to the scanner,
 * as a file of its own; a member that is itself compressed or an archive is opened in turn, down to
 * PC_NEST_DEPTH levels.
 *
 * Bounds, whatever the file: the decoded bytes (limits.max_layer_bytes)
 * and members (limits.max_files) of each file of the image, PC_NEST_DEPTH
 * levels, the decoders' memory (each within its own bound, unwrap.h,
 * and all of a walk's within PC_NEST_MEMPOOL: a decoder opened inside
 * others gets what they leave of it), one buffer per level of at most whole_max
 * bytes. A program of the image that unpacks the file has none of these
 * bounds, so a file that meets one fails (-1: a scan-error), never passes
 * on what was read before it. A file that is damaged or truncated is read
 * as far as it goes, as the programs that unpack it read it: what came
 * before is scanned; the file itself was scanned as bytes before
 * (yara_scan.c), as any other file is. A zip is read by its local headers
 * and by its central directory (zipdir.h), and a member the one reaches
 * but not the other is read all the same (held whole) or fails the file
 * (streamed: the directory comes last).
 */
#ifndef PC_NESTED_H
#define PC_NESTED_H

#include <stddef.h>
#include <stdint.h>
#include "pcx.h"
#include "yara/members.h"

#define PC_NEST_DEPTH 6              /* a .deb's data.tar.xz's fat jar's jars' files are 5 */
#define PC_NEST_BUDGET (8ull << 30)  /* limits.max_layer_bytes' default */
#define PC_NEST_MEMBERS 1000000u     /* limits.max_files' default */
#define PC_NEST_ZIPDIR (16u << 20)   /* a streamed zip's directory and what follows it */
#define PC_NEST_RPMHDR (16u << 20)   /* a streamed .rpm's lead and headers (its scriptlets) */
#define PC_NEST_MEMPOOL (256u << 20) /* the decoders open at once in one file (xz -9: 65 MiB) */
#define PC_NEST_CHAIN 1024           /* bytes of "outer > inner" kept for messages */
#define PC_NEST_STUB (128u << 10)    /* a script before an archive (makeself, zipapp): at most */
#define PC_NEST_CRX (1u << 20)       /* a Chrome extension's header (keys, signatures): at most */
#define PC_NEST_UPX_MAX (64u << 20)  /* a program packed by UPX, unpacked (upx.h): at most */
#define PC_NEST_CARVES 64 /* programs inside one file's other bytes (carve.h): more fails */
/* compressed streams inside one file's other bytes (carve.h: most are a
 * decoder's false start on chance bytes, each cheap): more fails */
#define PC_NEST_STREAMS 4096

typedef struct pc_nest_ops {
    /* Scan one member held whole (n <= whole_max bytes): 0, or -1 with e
     * filled to fail the layer. member: "data.tar.xz > ./usr/bin/nmap";
     * "" is the file itself (a streamed script with no archive after it). */
    int (*scan_mem)(void *ud, const char *member, const unsigned char *p, size_t n,
                    size_t *inner_at, pc_err *e);
    /* Scan a member larger than whole_max: its first firstlen bytes (the
     * larger of whole_max and first_block, or all of it), then what pull
     * gives; size: its length, or -1 when the archive does not say. */
    int (*scan_stream)(void *ud, const char *member, const unsigned char *first, size_t firstlen,
                       pc_pull_fn pull, void *pud, int64_t size, pc_err *e);
    void *ud;
    size_t whole_max;     /* a member up to this is read whole (scan_mem) */
    size_t first_block;   /* a larger one is handed over with this much of it first (at least) */
    uint64_t budget;      /* decoded bytes per file; 0: PC_NEST_BUDGET */
    uint64_t max_members; /* members per file; 0: PC_NEST_MEMBERS */
    int manual;           /* the file is where man(1) looks: a gzipped manual page is not read */
    /* Where the first program after the start of the bytes pc_nest_inspect
     * is given may be (carve.h; the caller's scan saw ELF's magic there
     * first), or their length when none is; 0: not known, looked for.
     * scan_mem says the same of a member (*inner_at: 1 when not known). */
    size_t carve_from;
    uint64_t
        carve_base; /* added to the offsets named in those bytes (they are a file's from there) */
    /* The archive member those bytes were found in (its chain of names,
     * as scan_stream was given it), which every name starts with; NULL:
     * the file's own. */
    const char *chain_base;
    /* Those bytes are a run of text found in an ELF file read in blocks:
     * a base64 run is read from each of its first four letters, as in an
     * ELF file held whole (b64find.h). */
    int b64_shifted;
    /* Those bytes are the image's file itself (not a region of it): what
     * the file, a program packed by UPX, unpacks to is given to
     * unpacked(ud, ...) too (its own loader and libraries are what the
     * packed program's loader loads when it starts). */
    int whole_file;
    void (*unpacked)(void *ud, const unsigned char *p, size_t n);
} pc_nest_ops;

typedef struct pc_nest pc_nest;

pc_nest *pc_nest_new(void);
void pc_nest_free(pc_nest *n);
/* Give back the level buffers above keep bytes (between files). */
void pc_nest_trim(pc_nest *n, size_t keep);
/* 1 when data starts as a file pc_nest_inspect (or, too large to read
 * whole, pc_nest_inspect_stream) opens. */
int pc_nest_wants(const unsigned char *data, size_t len);
/* Open data (a whole file of the image) and scan its members; 0, or -1
 * when a scan of a member failed or a bound was met (e filled). A file that starts as
 * none of pc_nest_wants' but ends as a zip (pc_zipdir_ends: after an ELF
 * or a script) is read by the zip's directory, as unzip and Python's
 * zipimport read it. */
int pc_nest_inspect(pc_nest *n, const pc_nest_ops *ops, const unsigned char *data, size_t len,
                    pc_err *e);
/* Only what a program packed by UPX (data: the whole file, held for it
 * though over whole_max) unpacks to, read as the member "(unpacked by
 * UPX)" (upx.h); 0, or -1 as pc_nest_inspect (and when it cannot be
 * unpacked). */
int pc_nest_unpack(pc_nest *n, const pc_nest_ops *ops, const unsigned char *data, size_t len,
                   pc_err *e);
/* The same for a file too large to read whole (size bytes): pre[0..prelen)
 * (its head, already read, which starts as pc_nest_wants says),
 * then what fn gives. Opened as it streams
 * by, never held; its bytes are not scanned as they are, but what follows
 * the archive or the compressed stream (its end, damage, a limit) is, as
 * a member named "(bytes after the archive)", and so is a script before
 * an archive ("(script before the archive)") and an .rpm's lead and
 * headers ("(rpm headers)"); a script with no archive after it is scanned
 * whole as the file itself (member ""). */
int pc_nest_inspect_stream(pc_nest *n, const pc_nest_ops *ops, const unsigned char *pre,
                           size_t prelen, pc_pull_fn pull, void *ud, int64_t size, pc_err *e);

#endif

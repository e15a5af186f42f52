/*
 * facts.h — what one layer contributes, independent of every other layer:
 * its entries (normalised path, type, mode, owner, capabilities, the head
 * of executables), whiteouts and opaque markers, the bytes of
 * /etc/passwd and /etc/group, and the packages a package database lists
 * as installed (pkgdb.h). Facts depend only on the layer digest and
 * how its bytes are decoded (and the rules and scanner version), which
 * makes them the unit of caching; the diff id they carry is checked
 * against each image's config, cached or not.
 *
 * All strings of one layer live in its arena and die with it.
 */
#ifndef PC_FACTS_H
#define PC_FACTS_H

#include <stddef.h>
#include <stdint.h>
#include "pcx/arena.h"
#include "layer/caps.h"

typedef enum {
    PC_E_REG,
    PC_E_DIR,
    PC_E_SYMLINK,
    PC_E_HARDLINK,
    PC_E_CHR,
    PC_E_BLK,
    PC_E_FIFO,
    PC_E_WHITEOUT, /* path names what is deleted from lower layers */
    PC_E_OPAQUE,   /* path names the directory whose lower contents vanish */
    PC_E_GLOBAL,   /* a PAX global header: the runtime removes what its name names */
} pc_etype;

/* What the kernel's execve makes of a file's first bytes (elfhead.c).
 * OTHER: not read (the file had no execute bit when its data went by). */
typedef enum {
    PC_HEAD_OTHER = 0,
    PC_HEAD_ELF,    /* an ELF header (class, machine, PT_INTERP below) */
    PC_HEAD_SCRIPT, /* a #! line binfmt_script accepts: interp is the line after "#!" */
    PC_HEAD_NOEXEC, /* read, and neither: execve fails with ENOEXEC (runc does not fall back to sh)
                     */
    PC_HEAD_BOM,    /* a UTF-8 byte-order mark, then "#!": ENOEXEC too, named for the message */
    PC_HEAD_BADSHEBANG, /* "#!" the kernel refuses: no interpreter, or its path cut at 255 bytes */
    PC_HEAD_BADELF,     /* an ELF header binfmt_elf refuses (type, program header size or count):
                           ENOEXEC; read as an ELF's all the same (its loader, DT_NEEDED) */
} pc_headkind;
#define PC_HEAD_LAST PC_HEAD_BADELF

typedef struct pc_match {
    const char *rule;     /* YARA rule name */
    const char *tool;     /* meta.tool, or NULL */
    const char *desc;     /* meta.description, or NULL */
    const char *severity; /* meta.severity: "high", "medium", "low", or NULL */
    const char *category; /* meta.category (rules/README.md), or NULL */
    const char *signal;   /* meta.signal: "capability" for generic rules; NULL: "content" */
    /* NULL: the file's own bytes matched; else the member of an archive or
     * compressed file inside it that did (nested.h): "data.tar.xz >
     * ./usr/bin/nmap", "(gzip)" */
    const char *member;
} pc_match;

/* A package a package database lists as installed (pkgdb.c). */
typedef struct pc_pkg {
    const char *name;
    const char *version; /* "" when the record had none */
} pc_pkg;

/* Which package database a file is (pkgdb.c decides by its path). */
typedef enum {
    PC_PKGDB_NONE = 0,
    PC_PKGDB_DPKG,   /* var/lib/dpkg/status */
    PC_PKGDB_DPKG_D, /* var/lib/dpkg/status.d/NAME: one control stanza (distroless) */
    PC_PKGDB_APK,    /* lib/apk/db/installed */
} pc_pkgdb_kind;
#define PC_PKGDB_LAST PC_PKGDB_APK

typedef struct pc_entry {
    /* (fields ordered by size: one entry per file of every layer is the
     * bulk of a scan's memory) */
    const char *path; /* normalised, relative to the root, no leading '/'; "" is the root */
    const char *link; /* symlink target as stored, or normalised hardlink target */
    uint64_t size;
    pc_filecap cap;
    const char *interp; /* ELF PT_INTERP or script shebang line (without "#!"), or NULL */
    /* A dynamically linked ELF's dynamic section (PT_DYNAMIC, read by
     * elfhead.c): dyn is 1 when it was read whole, and then needed holds
     * its DT_NEEDED sonames in order (nneeded <= PC_DT_NEEDED_MAX) and
     * rpath/runpath its DT_RPATH/DT_RUNPATH (or NULL). 0: not read, out of
     * reach or malformed: unknown, never "needs nothing". */
    const char **needed;
    const char *rpath, *runpath;
    const char *data; /* file bytes kept for /etc/passwd and /etc/group */
    size_t data_len;
    pc_match *matches; /* YARA matches */
    size_t nmatches;
    /* A package database read whole (pkgdb != NONE): the packages it
     * lists as installed, in file order. A database that could not be read
     * fails the layer, so NONE at a database's path means "not read as
     * one" (a hardlink to another path), never "lists nothing". */
    const pc_pkg *pkgs;
    uint32_t npkgs;
    pc_etype type;
    uint32_t mode; /* permission bits incl. 07000 */
    uint32_t uid, gid;
    uint32_t devmajor, devminor;
    pc_headkind head;
    uint32_t seq; /* position among the layer's entries (a hardlink's inode: its target's) */
    uint16_t elf_machine; /* e_machine for ELF */
    uint16_t nneeded;
    uint8_t elf_class; /* 1: 32-bit, 2: 64-bit */
    uint8_t dyn;
    uint8_t pkgdb;   /* pc_pkgdb_kind */
    uint8_t has_cap; /* security.capability present */
    uint8_t cap_bad; /* present but malformed */
} pc_entry;

typedef struct pc_layer_facts {
    char digest[72];  /* the blob digest the facts are keyed by */
    char diff_id[72]; /* sha256 of every decoded byte (trailing bytes included) */
    int codec;        /* pc_compression the bytes were decoded with */
    pc_arena arena;
    pc_entry *entries;
    size_t nentries, cap;
    uint64_t bytes; /* uncompressed bytes */
} pc_layer_facts;

void pc_layer_facts_init(pc_layer_facts *f);
void pc_layer_facts_free(pc_layer_facts *f);
/* Append a zeroed entry; NULL on out of memory. */
pc_entry *pc_layer_facts_add(pc_layer_facts *f);
/* Room for n entries in all, exactly (a decoder that knows the count: no
 * doubling, no copies); -1 when out of memory. */
int pc_layer_facts_reserve(pc_layer_facts *f, size_t n);
/* Give back the array's unused room (the walk doubles it as it grows):
 * the facts of every layer are held until the fs view is built. Entries
 * move: call it before anything points into them. */
void pc_layer_facts_trim(pc_layer_facts *f);

#endif

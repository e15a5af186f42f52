/*
 * pkgdb.h — the package databases images built from distributions keep,
 * read as their bytes stream by in the layer walk (layer.c), never held
 * whole:
 *
 *   var/lib/dpkg/status         dpkg (Debian, Ubuntu): deb822 stanzas; a
 *                               package counts when its Status says its
 *                               files are on disk (installed, or half-way
 *                               through dpkg: unpacked, half-configured,
 *                               half-installed, triggers-*), not when it
 *                               is config-files or not-installed
 *   var/lib/dpkg/status.d/NAME  distroless: one control stanza per file,
 *                               installed unless a Status field says not
 *                               (NAME.md5sums files are file lists: skipped)
 *   lib/apk/db/installed        apk (Alpine): K:value records, P: the name,
 *                               V: the version; every record is installed
 *
 * A database the parser cannot read is an error naming the line: a line
 * that is not a field, a stanza without its name, a duplicate or
 * multi-line Package/Version/Status, a value over PC_PKGDB_MAX_VALUE
 * bytes, a NUL byte, more than PC_PKGDB_MAX_PKGS packages. The walk turns
 * it into a failed layer (a scan-error): an unread database is never taken
 * as an empty one. Files over PC_PKGDB_MAX_BYTES are refused unread.
 */
#ifndef PC_PKGDB_H
#define PC_PKGDB_H

#include <stddef.h>
#include <stdint.h>
#include "pcx.h"
#include "layer/facts.h"

#define PC_PKGDB_MAX_BYTES (64u << 20) /* one database file */
#define PC_PKGDB_MAX_PKGS 100000u      /* packages recorded from one file */
#define PC_PKGDB_MAX_VALUE 512         /* a name, version or status */
#define PC_PKGDB_LINE 1024             /* the leading bytes of a line kept to read it */

typedef struct pc_pkgdb {
    pc_pkgdb_kind kind;
    pc_arena *arena;
    uint64_t line;               /* lines finished so far */
    char buf[PC_PKGDB_LINE + 1]; /* the current line's leading bytes */
    size_t len;
    int overlong; /* the current line is longer than buf */
    int failed;   /* an error was returned: nothing more is read */
    /* the current stanza (record) */
    unsigned nfields;
    int last_key; /* the previous line's field, for continuation lines (KEY_*) */
    int have;     /* KEY_* bits seen */
    int present;  /* Status says the files are on disk */
    char name[PC_PKGDB_MAX_VALUE + 1], version[PC_PKGDB_MAX_VALUE + 1];
    pc_pkg *v; /* what was recorded (strings in arena) */
    size_t n, cap;
} pc_pkgdb;

/* The database a normalised path (no leading '/') names, or PC_PKGDB_NONE. */
pc_pkgdb_kind pc_pkgdb_kind_of(const char *path);
/* A path of the final fs ("/var/lib/dpkg/status") that is a database's. */
pc_pkgdb_kind pc_pkgdb_kind_of_abs(const char *path);
/* A name for messages: "dpkg" or "apk". */
const char *pc_pkgdb_tool(pc_pkgdb_kind kind);

/* Start reading a database of kind into arena (strings and the list). */
void pc_pkgdb_begin(pc_pkgdb *p, pc_pkgdb_kind kind, pc_arena *arena);
/* The next n bytes; -1 with e set ("line N: ...") on a malformed file. */
int pc_pkgdb_feed(pc_pkgdb *p, const void *buf, size_t n, pc_err *e);
/* The end of the file: finish the last stanza and give ent the list
 * (ent->pkgdb, npkgs, pkgs). -1 with e set when it cannot be read. */
int pc_pkgdb_end(pc_pkgdb *p, pc_entry *ent, pc_err *e);
/* Release what an unfinished read holds (safe after pc_pkgdb_end). */
void pc_pkgdb_free(pc_pkgdb *p);

/* The whole file at once: begin, feed, end (tests, fuzzing). */
int pc_pkgdb_parse(pc_pkgdb_kind kind, const void *buf, size_t n, pc_arena *arena, pc_entry *ent,
                   pc_err *e);

#endif

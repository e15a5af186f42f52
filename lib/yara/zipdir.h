/*
 * zipdir.h — a zip archive's central directory, read from the archive's
 * end as Python's zipfile (_EndRecData, _RealGetContents), Info-ZIP's
 * unzip and Java's ZipFile read it, so a caller can set it beside what
 * the sequential walk of the local headers found (members.h): a member
 * the directory names and the walk did not see, or the other way round,
 * is a member one kind of reader extracts and the other does not.
 *
 * The end of central directory record is the last 22 bytes when it has
 * no comment; else the last of its signatures in the last 64 KiB + 22
 * bytes (Python's choice), whose comment must fit before the end. A zip64
 * locator just before it names a zip64 record, taken to be the 56 bytes
 * before the locator (as Python assumes: no extensible data), which
 * gives the directory's size and offset. The directory is taken to sit
 * right before those records; the difference between where it is and
 * where its offset says ("concat": data before the archive, as in a
 * self-extracting zip whose offsets were not adjusted) moves every local
 * header offset by as much, as Python moves it.
 *
 * Bounds, whatever the bytes: everything read lies within the bytes
 * given, the directory holds at most max_entries entries, and memory
 * grows with the entries read (each takes at least 46 bytes of input),
 * never with a size or count the archive claims.
 */
#ifndef PC_ZIPDIR_H
#define PC_ZIPDIR_H

#include <stddef.h>
#include <stdint.h>
#include "yara/members.h" /* PC_MEMBERS_NAME_MAX */

typedef struct pc_zipent {
    /* the member's local header, in the archive's coordinates (see
     * pc_zipdir_read's base): the offset the directory records (its zip64
     * extra field applied) moved by concat, as Python's zipfile moves it;
     * always below the archive's end */
    uint64_t lho;
    uint64_t csize, usize; /* compressed and uncompressed sizes (zip64 extra field applied) */
    uint16_t method, flags;
    /* the name ends in '/': a directory (the name up to a NUL byte, where
     * Python's zipfile cuts it) */
    int dir;
    /* for messages: cut to PC_MEMBERS_NAME_MAX bytes, control bytes and
     * 0x7f as '?', "(no name)" when empty; in the directory's names block
     * (names take no more memory than the directory's own bytes) */
    const char *name;
} pc_zipent;

typedef struct pc_zipdir {
    pc_zipent *v; /* the entries, in the directory's order */
    size_t n;
    char *names; /* every entry's name, each ended by a NUL */
} pc_zipdir;

/* Read the central directory of the zip archive that ends with p[0..n):
 * at least its central directory and end records (the whole archive, or,
 * for a caller that streams the archive, the bytes from where the central
 * directory starts to the end). base: the archive coordinate of p[0] (0
 * when p is the whole archive). d is overwritten (what it held is not
 * freed).
 * 1: read (d filled; free it with pc_zipdir_free);
 * 0: no end of central directory record (not a zip with a directory; d
 *    empty); also when the last end signature is too near the end to be
 *    a record, as Python gives up there;
 * -1: a directory that cannot be read: damaged (the end record's comment
 *    past the end, a bad zip64 record, a bad signature, a corrupt extra
 *    field, a local header offset outside the archive), an entry or the
 *    directory outside p, more than max_entries entries, out of memory
 *    (d empty).
 * why, when not NULL, gets a short reason for messages when the result
 * is not 1 ("central directory entry 3 runs past the directory's end"). */
int pc_zipdir_read(const unsigned char *p, size_t n, uint64_t base, size_t max_entries,
                   pc_zipdir *d, char *why, size_t whylen);
/* Free the entries; d is left empty (again readable). */
void pc_zipdir_free(pc_zipdir *d);

/* Where an end record can be: the last bytes a reader searches. */
#define PC_ZIPDIR_TAIL ((64u << 10) + 22)

/* 1 when p[0..n) ends as a zip archive does: an end of central directory
 * record in its last PC_ZIPDIR_TAIL bytes, found as pc_zipdir_read finds
 * it (its comment fitting), that does not say the directory is empty; 0
 * otherwise. Empty: 0 entries on the disk and in all, 0 bytes of
 * directory, no zip64 locator (no reader finds a member in it). Otherwise
 * its entry count and directory size are not trusted (Python reads a
 * directory by the zip64 record's size when there is one, and never by
 * the count; unzip by the count). For bytes that are
 * only the end of a file, which pc_zipdir_read may not be able to read (a
 * directory larger than them), and as a cheap test of any file (no end
 * signature: one memmem). */
int pc_zipdir_ends(const unsigned char *p, size_t n);

/* Where ent's data starts, as Python's zipfile finds it: the local header
 * at ent->lho (archive coordinates; p[0] is coordinate base) is checked
 * (its signature) and its name and extra field passed over; the method
 * and sizes are the directory's (ent), not the local header's. 0 with
 * *off (archive coordinates), or -1 when the header is not in p, is not
 * one, or the data (ent->csize bytes) would run past p's end. */
int pc_zipdir_data(const unsigned char *p, size_t n, uint64_t base, const pc_zipent *ent,
                   uint64_t *off);

#endif

/*
 * tarkit.h — hand-made layer bytes for the tests: a USTAR header block
 * (owner 0:0, mtime 0, checksum), the checksum again after a test changed
 * a field on purpose, a regular file (header and padded data), and a
 * gzip member of some bytes.
 */
#ifndef PC_TEST_TARKIT_H
#define PC_TEST_TARKIT_H

#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Recompute the checksum of the header block h. */
static inline void ustar_checksum(unsigned char *h)
{
    unsigned sum = 0;
    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
}

/* The 512-byte header block at h: name and link (NULL: none) up to 100
 * bytes each, type flag, mode and size; USTAR magic and version "00". */
static inline void ustar_header(unsigned char *h, const char *name, char type, unsigned mode,
                                unsigned long size, const char *link)
{
    size_t nl = strlen(name), ll = link ? strlen(link) : 0;
    memset(h, 0, 512);
    memcpy(h, name, nl < 100 ? nl : 100);
    snprintf((char *)h + 100, 8, "%07o", mode);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011lo", size);
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = (unsigned char)type;
    memcpy(h + 157, link ? link : "", ll < 100 ? ll : 100);
    memcpy(h + 257,
           "ustar\0"
           "00",
           8);
    ustar_checksum(h);
}

/* A regular file at out: its header and its n bytes of data padded to a
 * whole block. Returns the bytes written. */
static inline size_t ustar_file(unsigned char *out, const char *name, unsigned mode,
                                const void *data, size_t n)
{
    size_t padded = (n + 511) / 512 * 512;
    ustar_header(out, name, '0', mode, n, NULL);
    memset(out + 512, 0, padded);
    memcpy(out + 512, data, n);
    return 512 + padded;
}

/* [in, in + n) as one gzip member at out (cap bytes); returns its size. */
static inline size_t gzip_bytes(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream z = {0};
    deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t got = cap - z.avail_out;
    deflateEnd(&z);
    return got;
}

#endif

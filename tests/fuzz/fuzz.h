/*
 * fuzz.h — helpers shared by the libFuzzer targets: a reader that draws
 * bounded values from the input (running out yields zeros, never fails),
 * splitting an input into parts at a separator line, an exact-size and
 * a NUL-terminated copy, RFC 6901 JSON pointer resolution for checking what the webhook
 * readers report, and a check that aborts with a message (libFuzzer keeps
 * the input as a crash).
 */
#ifndef PC_FUZZ_H
#define PC_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz check failed: %s (%s:%d): ", #cond, __FILE__, __LINE__);         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Build with -DFZ_DEBUG to see what a target made of an input. */
#ifdef FZ_DEBUG
#define FZ_LOG(...) fprintf(stderr, __VA_ARGS__)
#else
#define FZ_LOG(...) ((void)0)
#endif

typedef struct fz {
    const uint8_t *p;
    size_t n;
} fz;

static inline unsigned fz_u8(fz *f)
{
    if (!f->n)
        return 0;
    f->n--;
    return *f->p++;
}

static inline uint32_t fz_u16(fz *f)
{
    uint32_t v = fz_u8(f);
    return v | (uint32_t)fz_u8(f) << 8;
}

static inline uint32_t fz_u32(fz *f)
{
    uint32_t v = fz_u16(f);
    return v | fz_u16(f) << 16;
}

static inline uint64_t fz_u64(fz *f)
{
    uint64_t v = fz_u32(f);
    return v | (uint64_t)fz_u32(f) << 32;
}

/* One of n choices (n > 0). */
static inline unsigned fz_pick(fz *f, unsigned n)
{
    return fz_u8(f) % n;
}

/* Up to max bytes of the input, as they are; *len how many. */
static inline const uint8_t *fz_bytes(fz *f, size_t max, size_t *len)
{
    const uint8_t *p = f->p;
    *len = max < f->n ? max : f->n;
    f->p += *len;
    f->n -= *len;
    return p;
}

/* A malloc'd copy of [p, p + n) with a NUL after it (NULL when out of memory). */
static inline char *fz_strndup(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

/* A malloc'd copy of [p, p + n) in a buffer of exactly n bytes (one when
 * n is 0), so a read past the input is a read past the allocation; NULL
 * when out of memory. */
static inline unsigned char *fz_memdup(const void *p, size_t n)
{
    unsigned char *c = malloc(n ? n : 1);
    if (c)
        memcpy(c, p, n);
    return c;
}

/* Parts of an input separated by FZ_SEP lines: part i is [part[i],
 * part[i] + len[i]); parts past the input's end are empty. Returns how
 * many were found. Readable seeds: "USER\n----\n<passwd>\n----\n<group>". */
#define FZ_SEP "\n----\n"
static inline size_t fz_split(const uint8_t *d, size_t n, size_t max, const uint8_t **part,
                              size_t *len)
{
    size_t k = 0, sl = strlen(FZ_SEP);
    for (size_t i = 0; i < max; i++) {
        part[i] = d + n;
        len[i] = 0;
    }
    while (k < max) {
        const uint8_t *s = NULL;
        for (size_t i = 0; i + sl <= n; i++)
            if (d[i] == '\n' && memcmp(d + i, FZ_SEP, sl) == 0) {
                s = d + i;
                break;
            }
        part[k] = d;
        if (!s || k + 1 == max) {
            len[k++] = n;
            break;
        }
        len[k++] = (size_t)(s - d);
        n -= (size_t)(s - d) + sl;
        d = s + sl;
    }
    return k;
}

#ifdef JANSSON_H
/* RFC 6901: the value at ptr inside root, or NULL. */
static inline json_t *fz_json_pointer(json_t *root, const char *ptr)
{
    json_t *cur = root;
    if (!*ptr)
        return cur;
    if (*ptr != '/')
        return NULL;
    while (cur && *ptr == '/') {
        char tok[1100];
        size_t k = 0;
        for (ptr++; *ptr && *ptr != '/'; ptr++) {
            if (k + 1 >= sizeof tok)
                return NULL;
            if (*ptr == '~' && (ptr[1] == '0' || ptr[1] == '1')) {
                tok[k++] = ptr[1] == '0' ? '~' : '/';
                ptr++;
            } else {
                tok[k++] = *ptr;
            }
        }
        tok[k] = 0;
        if (json_is_object(cur)) {
            cur = json_object_get(cur, tok);
        } else if (json_is_array(cur)) {
            char *end;
            if (!k || (k > 1 && tok[0] == '0') || tok[0] < '0' || tok[0] > '9')
                return NULL;
            unsigned long i = strtoul(tok, &end, 10);
            cur = *end ? NULL : json_array_get(cur, i);
        } else {
            return NULL;
        }
    }
    return cur;
}
#endif

#endif

/*
 * test_pcx.c — the helpers the library and both tools share (pcx.h): the
 * one grammar of durations and sizes (valid, malformed, overflow, the
 * caller's maximum), --verdict-ttl as both tools read it, base64 (round
 * trips through OpenSSL's codec, each decoder's acceptance), UTF-8
 * shaping, pc_buf, and SHA-256 (the one-shot digest, which nettle
 * computes, against the published vectors and the streaming one, which
 * OpenSSL computes), and pc_buf_json_str against jansson's own dump of
 * the same string.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "pcx.h"
#include "pcx/arena.h"
#include "pcx/sha256.h"
#include "testlib.h"

#define DAY_MS (86400000ull)

static const struct {
    const char *in;
    uint64_t max, want; /* want: ms; max 0: UINT64_MAX */
    int ok;
} durations[] = {
    {"500ms", 0, 500, 1},
    {"90s", 0, 90000, 1},
    {"10s", 60000, 10000, 1},
    {"30m", 0, 1800000, 1},
    {"24h", 0, 86400000, 1},
    {"7d", 0, 7 * DAY_MS, 1},
    {"1h30m", 0, 5400000, 1},
    {"1m30s", 0, 90000, 1},
    {"2d12h", 0, 2 * DAY_MS + 12 * 3600000ull, 1},
    {"1h1m1s1ms", 0, 3661001, 1},
    {"30m1h", 0, 5400000, 1}, /* terms add up in any order, as Go's */
    {"0", 0, 0, 1},
    {"0s", 0, 0, 1},
    {"3600", 0, 3600000, 1}, /* a bare integer counts seconds */
    {"007s", 0, 7000, 1},
    {"60", 60000, 60000, 1}, /* the maximum itself */
    {"1m", 60000, 60000, 1},
    {"59s1000ms", 60000, 60000, 1},
    {"61", 60000, 0, 0}, /* above the maximum */
    {"1m1ms", 60000, 0, 0},
    {"2h", 60000, 0, 0},
    {"366d", 366 * DAY_MS, 366 * DAY_MS, 1},
    {"366d1ms", 366 * DAY_MS, 0, 0},
    {"", 0, 0, 0},
    {"s", 0, 0, 0},
    {"ms", 0, 0, 0},
    {"10x", 0, 0, 0},
    {"10S", 0, 0, 0},
    {"1.5h", 0, 0, 0},
    {"-1s", 0, 0, 0},
    {"+1s", 0, 0, 0},
    {" 1s", 0, 0, 0},
    {"1s ", 0, 0, 0},
    {"1 s", 0, 0, 0},
    {"1h30", 0, 0, 0}, /* a bare number only on its own */
    {"h1", 0, 0, 0},
    {"1w", 0, 0, 0},
    {"1us", 0, 0, 0},
    {"1msx", 0, 0, 0},
    {"18446744073709551615ms", 0, UINT64_MAX, 1},
    {"18446744073709551616ms", 0, 0, 0}, /* the integer overflows */
    {"99999999999999999999s", 0, 0, 0},  /* so does this one */
    {"18446744073709551s", 0, 18446744073709551000ull, 1},
    {"18446744073709552s", 0, 0, 0},                         /* the product overflows */
    {"18446744073709551615", 0, 0, 0},                       /* seconds overflow */
    {"9223372036854775807ms9223372036854775808ms", 0, 0, 0}, /* the sum overflows (and too long) */
    {"4611686018427387904ms", 0, 4611686018427387904ull, 1},
    {"1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s", 0, 16000, 1}, /* 32 characters */
    {"1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1", 0, 0, 0},    /* 33 */
};

static void test_durations(void)
{
    for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
        uint64_t ms = 12345, max = durations[i].max ? durations[i].max : UINT64_MAX;
        int rc = pc_parse_duration(durations[i].in, max, &ms);
        if (durations[i].ok) {
            CHECK(rc == 0 && ms == durations[i].want);
        } else {
            CHECK(rc == -1 && ms == 12345); /* untouched on error */
        }
        if (rc != (durations[i].ok ? 0 : -1) || (durations[i].ok && ms != durations[i].want))
            fprintf(stderr, "  duration \"%s\" max %llu: rc %d ms %llu\n", durations[i].in,
                    (unsigned long long)max, rc, (unsigned long long)ms);
    }
    uint64_t ms = 0;
    CHECK(pc_parse_duration(NULL, 1000, &ms) == -1);
}

/* --verdict-ttl: the same answer in portcullis and portcullis-webhook,
 * both of which call this. */
static void test_verdict_ttl(void)
{
    static const struct {
        const char *in;
        uint64_t want; /* seconds; 0: refused */
    } cases[] = {
        {"24h", 86400},
        {"7d", 604800},
        {"1h30m", 5400},
        {"3600", 3600},
        {"1s", 1},
        {"1500ms", 1},
        {"90s", 90},
        {"366d", PC_VERDICT_TTL_MAX_S},
        {"8784h", 31622400},
        {"0", 0},
        {"999ms", 0},
        {"0s", 0},
        {"366d1s", 0},
        {"367d", 0},
        {"8785h", 0},
        {"1000000000d", 0},
        {"", 0},
        {"24", 24},
        {"1.5h", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t s = 777;
        int rc = pc_parse_verdict_ttl(cases[i].in, &s);
        if (cases[i].want)
            CHECK(rc == 0 && s == cases[i].want);
        else
            CHECK(rc == -1 && s == 777);
    }
}

static const struct {
    const char *in;
    uint64_t max, want; /* max 0: UINT64_MAX */
    int ok;
} sizes[] = {
    {"0", 0, 0, 1},
    {"4194304", 0, 4194304, 1},
    {"64K", 0, 65536, 1},
    {"64k", 0, 65536, 1},
    {"4M", 0, 4u << 20, 1},
    {"4m", 0, 4u << 20, 1},
    {"1G", 0, 1u << 30, 1},
    {"2g", 0, 2ull << 30, 1},
    {"1G", 1u << 30, 1u << 30, 1}, /* the maximum itself */
    {"2G", 1u << 30, 0, 0},
    {"1073741825", 1u << 30, 0, 0},
    {"16777216T", 0, 0, 0},
    {"1KB", 0, 0, 0},
    {"1Ki", 0, 0, 0},
    {"1.5M", 0, 0, 0},
    {"", 0, 0, 0},
    {"K", 0, 0, 0},
    {"-1", 0, 0, 0},
    {"+1", 0, 0, 0},
    {" 1", 0, 0, 0},
    {"1 ", 0, 0, 0},
    {"18446744073709551615", 0, UINT64_MAX, 1},
    {"18446744073709551616", 0, 0, 0},
    {"17179869184G", 0, 0, 0}, /* 2^34 GiB = 2^64: overflows */
    {"17179869183G", 0, 17179869183ull << 30, 1},
};

static void test_sizes(void)
{
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t v = 4242, max = sizes[i].max ? sizes[i].max : UINT64_MAX;
        int rc = pc_parse_size(sizes[i].in, max, &v);
        if (sizes[i].ok)
            CHECK(rc == 0 && v == sizes[i].want);
        else
            CHECK(rc == -1 && v == 4242);
        if (rc != (sizes[i].ok ? 0 : -1))
            fprintf(stderr, "  size \"%s\": rc %d\n", sizes[i].in, rc);
    }
    /* shown in the units the grammar reads: binary, IEC names */
    static const struct {
        uint64_t v;
        const char *want;
    } shown[] = {{0, "0 B"},
                 {1023, "1023 B"},
                 {1024, "1.0 KiB"},
                 {5678000, "5.4 MiB"},
                 {(1ull << 30) - 1, "1024.0 MiB"},
                 {1ull << 30, "1.00 GiB"},
                 {1310000000ull, "1.22 GiB"}};
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        char buf[32];
        pc_format_size(shown[i].v, buf, sizeof buf);
        CHECK_STR(buf, shown[i].want);
    }
    uint64_t v = 0;
    CHECK(pc_parse_uint("65535", 65535, &v) == 0 && v == 65535);
    CHECK(pc_parse_uint("65536", 65535, &v) == -1);
    CHECK(pc_parse_uint("1K", 65535, &v) == -1); /* a number, not a size */
    CHECK(pc_parse_uint("", 10, &v) == -1);
    CHECK(pc_parse_uint("0", 0, &v) == 0 && v == 0);
}

/* Every byte value in turn, in an order that is not the identity. */
static void fill_pattern(unsigned char *p, size_t n, unsigned mul, unsigned add)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * mul + add);
}

static void test_base64(void)
{
    static const struct {
        const char *plain, *enc;
    } vec[] = {/* RFC 4648, section 10 */
               {"", ""},
               {"f", "Zg=="},
               {"fo", "Zm8="},
               {"foo", "Zm9v"},
               {"foob", "Zm9vYg=="},
               {"fooba", "Zm9vYmE="},
               {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        char *e = pc_base64_encode(vec[i].plain, strlen(vec[i].plain)), *d = NULL;
        size_t n = 99;
        CHECK_STR(e, vec[i].enc);
        CHECK(pc_base64_decode_strict(vec[i].enc, strlen(vec[i].enc), &d, &n) == 0 &&
              n == strlen(vec[i].plain) && memcmp(d, vec[i].plain, n) == 0 && d[n] == 0);
        free(d);
        d = NULL;
        size_t bare = strcspn(vec[i].enc, "="); /* unpadded: the lax decoder only */
        CHECK(pc_base64_decode(vec[i].enc, bare, &d, &n) == 0 && n == strlen(vec[i].plain) &&
              memcmp(d, vec[i].plain, n) == 0);
        free(d);
        d = NULL;
        CHECK((pc_base64_decode_strict(vec[i].enc, bare, &d, &n) == 0) == (bare % 4 == 0));
        free(d);
        free(e);
    }
    /* every byte value, every length up to 300, through both decoders */
    unsigned char all[300];
    fill_pattern(all, sizeof all, 7, 3);
    int ok = 1;
    for (size_t len = 0; len <= sizeof all; len++) {
        char *e = pc_base64_encode(all, len), *d1 = NULL, *d2 = NULL;
        size_t n1 = 0, n2 = 0;
        ok &= e && strlen(e) == (len + 2) / 3 * 4 &&
              pc_base64_decode(e, strlen(e), &d1, &n1) == 0 && n1 == len &&
              memcmp(d1, all, len) == 0 && pc_base64_decode_strict(e, strlen(e), &d2, &n2) == 0 &&
              n2 == len && memcmp(d2, all, len) == 0;
        free(e);
        free(d1);
        free(d2);
    }
    CHECK(ok);
    char *e = pc_base64_encode("\xfb\xff\xbf", 3);
    CHECK_STR(e, "+/+/"); /* the standard alphabet, not the URL one */
    free(e);

    static const char *strict_bad[] = {
        "Zg",   "Zg=",  "Zm8",  "Z===", "Zg===",  "====",  "Zm9v====", "Zm=v",
        "=Zm9", "Zm9-", "Zm9_", "Zm 9", "Zm9v\n", " Zm9v", "Zm9*",     "Z"};
    for (size_t i = 0; i < sizeof strict_bad / sizeof strict_bad[0]; i++) {
        char *d = NULL;
        size_t n = 0;
        CHECK(pc_base64_decode_strict(strict_bad[i], strlen(strict_bad[i]), &d, &n) == -1);
        CHECK(d == NULL);
    }
    static const char *lax_bad[] = {"Z",    "Zm9vY", "Zm9vY=", "Zm=v", "=Zm9",
                                    "Zm9-", "Zm 9",  "Zm9v\n", "YW*j"};
    for (size_t i = 0; i < sizeof lax_bad / sizeof lax_bad[0]; i++) {
        char *d = NULL;
        size_t n = 0;
        CHECK(pc_base64_decode(lax_bad[i], strlen(lax_bad[i]), &d, &n) == -1);
        CHECK(d == NULL);
    }
    /* the lax decoder ignores any run of '=' at the end (docker config.json) */
    char *d = NULL;
    size_t n = 0;
    CHECK(pc_base64_decode("Zg=====", 7, &d, &n) == 0 && n == 1 && d[0] == 'f');
    free(d);
    CHECK(pc_base64_decode("Zm9v\0Zm9v", 9, &d, &n) == -1); /* a NUL inside */
    CHECK(pc_base64_decode_strict("Zm9v\0Zm9v===", 12, &d, &n) == -1);
}

static void test_utf8(void)
{
    static const struct {
        const char *s;
        size_t len;
        uint32_t cp;
    } vec[] = {
        {"A", 1, 'A'},
        {"\xc3\xa9", 2, 0xe9},
        {"\xe2\x82\xac", 3, 0x20ac},
        {"\xf0\x9f\x98\x80", 4, 0x1f600},
        {"\xf4\x8f\xbf\xbf", 4, 0x10ffff},
        {"\xc0\xaf", 0, 0},         /* overlong */
        {"\xe0\x80\xaf", 0, 0},     /* overlong */
        {"\xed\xa0\x80", 0, 0},     /* surrogate */
        {"\xf4\x90\x80\x80", 0, 0}, /* above U+10FFFF */
        {"\x80", 0, 0},             /* lone continuation */
        {"\xc3", 0, 0},             /* truncated at the NUL */
        {"\xe2\x82", 0, 0},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        uint32_t cp = 0;
        size_t n = pc_utf8_decode(vec[i].s, &cp);
        CHECK(n == vec[i].len && (n == 0 || cp == vec[i].cp));
    }
    char s[] = "ab\xc3\xa9\xc3\xa9\xc3\xa9\n\t\x7f";
    pc_one_line(s);
    CHECK_STR(s, "ab\xc3\xa9\xc3\xa9\xc3\xa9???");
    pc_cut_utf8(s, 6); /* "ab" + é would leave half of the next é: cut before it */
    CHECK_STR(s, "ab...");
    char t[] = "abcdef";
    pc_cut_utf8(t, 6);
    CHECK_STR(t, "abcdef");
    pc_cut_utf8(t, 3); /* below 4: left alone */
    CHECK_STR(t, "abcdef");
    pc_cut_utf8(t, 5);
    CHECK_STR(t, "ab...");
    pc_one_line(NULL);
    pc_cut_utf8(NULL, 10);
}

static void test_buf(void)
{
    pc_buf b = {0};
    char *p = pc_buf_take(&b);
    CHECK_STR(p, ""); /* nothing added: an empty string, not NULL */
    free(p);
    pc_buf_puts(&b, "abc");
    pc_buf_add(&b, "defgh", 2);
    pc_buf_printf(&b, "-%d-%s", 42, "x");
    CHECK(b.len == 10 && !b.oom);
    p = pc_buf_take(&b);
    CHECK_STR(p, "abcde-42-x");
    CHECK(b.p == NULL && b.len == 0 && b.cap == 0);
    free(p);
    for (int i = 0; i < 1000; i++)
        pc_buf_puts(&b, "0123456789");
    CHECK(b.len == 10000 && strlen(b.p) == 10000);
    /* oom is sticky: nothing more is added, take hands back NULL */
    b.oom = 1;
    pc_buf_puts(&b, "more");
    CHECK(b.len == 10000);
    CHECK(pc_buf_take(&b) == NULL && b.p == NULL && !b.oom);
    pc_buf_add(&b, "x", SIZE_MAX); /* a length that cannot be held */
    CHECK(b.oom && b.p == NULL);
    pc_buf_free(&b);
    CHECK(!b.oom && b.p == NULL && b.len == 0); /* reset for reuse */
    pc_buf_puts(&b, "ok");
    CHECK_STR(b.p, "ok");
    pc_buf_free(&b);
}

/* pc_buf_json_str is jansson's dump, byte for byte: strings of every
 * length around its 8-byte steps, each with one byte to escape or check
 * (a quote, a backslash, controls, DEL, '/', 2- to 4-byte UTF-8) at every
 * position, and plain runs of every length; appended after other text. */
static void test_json_str(void)
{
    static const char *const odd[] = {"\"",   "\\", "\n",       "\x01",         "\x1f",
                                      "\x7f", "/",  "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                      NULL};
    size_t compared = 0, differ = 0;
    for (size_t len = 0; len <= 40; len++)
        for (size_t at = 0; at <= len; at++)
            for (size_t k = 0; odd[k] || k == 0; k++) {
                char s[64];
                memset(s, 'a' + (int)(len % 26), len);
                s[len] = 0;
                if (at < len) { /* one odd piece at byte `at` */
                    size_t n = strlen(odd[k]);
                    if (at + n > len)
                        continue;
                    memcpy(s + at, odd[k], n);
                } else if (k > 0)
                    break; /* at == len: the plain string, once */
                json_t *j = json_string(s);
                char *want = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
                pc_buf b = {0};
                pc_buf_puts(&b, "x=");
                pc_buf_json_str(&b, s);
                if (!want || b.oom || strncmp(b.p, "x=", 2) != 0 || strcmp(b.p + 2, want) != 0) {
                    if (differ++ < 3)
                        fprintf(stderr, "json_str: len %zu at %zu: %s against %s\n", len, at,
                                b.p ? b.p : "(null)", want ? want : "(null)");
                }
                compared++;
                free(want);
                json_decref(j);
                pc_buf_free(&b);
            }
    CHECK(compared > 4000);
    CHECK(differ == 0);
    pc_buf b = {0};
    pc_buf_json_str(&b, NULL);
    pc_buf_json_str(&b, "ab\xff"); /* not UTF-8: U+FFFD, as pc_json_string */
    CHECK_STR(b.p, "null\"ab\xef\xbf\xbd\"");
    pc_buf_free(&b);
}

/* The arena: a small first block doubles up to 64 KiB; a request larger
 * than the block gets one of its own; every byte handed out is usable. */
static void test_arena(void)
{
    pc_arena a = {.block = 4096};
    char *p = pc_arena_alloc(&a, 100);
    CHECK(p && a.total == 4096 && a.block == 8192);
    memset(p, 1, 100);
    char *q = pc_arena_alloc(&a, 9000); /* bigger than the next block: one of its own */
    CHECK(q && a.total == 4096 + 9008 && a.block == 8192);
    memset(q, 2, 9000);
    char *r = pc_arena_alloc(&a, 3000); /* still in the first block, kept at the head */
    CHECK(r && r == p + 112 && a.total == 4096 + 9008);
    for (int i = 0; i < 40; i++)
        CHECK(pc_arena_alloc(&a, 4000) != NULL);
    CHECK(a.block == 65536);
    CHECK(pc_arena_alloc(&a, 0) == NULL);
    pc_arena_free(&a);
    CHECK(a.total == 0 && a.head == NULL);
    pc_arena d = {0}; /* the default: 64 KiB blocks */
    CHECK(pc_arena_alloc(&d, 1) && d.total == 65536 && d.block == 0);
    pc_arena_free(&d);
}

/* FIPS 180-2's vectors through both hashers; then every length around the
 * 64-byte block and padding boundaries, the one-shot digest equal to the
 * streaming one fed in pieces. */
static void test_sha256(void)
{
    static const struct {
        const char *in, *want;
    } v[] = {
        {"", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char got[72];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        pc_sha256_digest(v[i].in, strlen(v[i].in), got);
        CHECK_STR(got, v[i].want);
        pc_sha256 *h = pc_sha256_new();
        CHECK(h != NULL);
        if (h) {
            pc_sha256_update(h, v[i].in, strlen(v[i].in));
            pc_sha256_final(h, got);
            CHECK_STR(got, v[i].want);
            pc_sha256_free(h);
        }
    }
    unsigned char buf[300];
    fill_pattern(buf, sizeof buf, 131, 7);
    int same = 1;
    for (size_t n = 0; n <= sizeof buf; n++) {
        char one[72], stream[72];
        pc_sha256_digest(buf, n, one);
        pc_sha256 *h = pc_sha256_new();
        if (!h) {
            same = 0;
            break;
        }
        pc_sha256_update(h, buf, n / 3);
        pc_sha256_update(h, buf + n / 3, n - n / 3);
        pc_sha256_final(h, stream);
        pc_sha256_free(h);
        if (strcmp(one, stream) != 0)
            same = 0;
    }
    CHECK(same);
}

/* Header integers: byte order and width. */
static void test_bytes(void)
{
    static const unsigned char p[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88};
    CHECK(pc_le16(p) == 0x0201);
    CHECK(pc_le32(p) == 0x04030201u);
    CHECK(pc_be32(p) == 0x01020304u);
    CHECK(pc_le64(p) == 0x8807060504030201ull);
    /* either byte order, any width up to 8 */
    CHECK(pc_uint_at(p, 2, 0) == 0x0201 && pc_uint_at(p, 2, 1) == 0x0102);
    CHECK(pc_uint_at(p, 4, 0) == pc_le32(p) && pc_uint_at(p, 4, 1) == pc_be32(p));
    CHECK(pc_uint_at(p, 8, 0) == pc_le64(p) && pc_uint_at(p, 8, 1) == 0x0102030405060788ull);
    CHECK(pc_uint_at(p, 3, 1) == 0x010203 && pc_uint_at(p, 1, 1) == 0x01 &&
          pc_uint_at(p, 0, 0) == 0);
}

/* SipHash-2-4 against the paper's vectors (key 00..0f; the empty message
 * and 00..0e), also given by Rust's std::hash::SipHasher; SipHash-1-3
 * against CPython's bytes hash with PYTHONHASHSEED=0 (SipHash-1-3 under
 * the zero key), over 15 bytes 00..0e and over 73 bytes (a cache key's
 * shape, several words and a tail). A changed byte changes the hash. */
static void test_siphash(void)
{
    unsigned char m[15];
    for (int i = 0; i < 15; i++)
        m[i] = (unsigned char)i;
    const uint64_t k[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull}, zero[2] = {0, 0};
    CHECK(pc_siphash("", 0, k, 2, 4) == 0x726fdb47dd0e0e31ull);
    CHECK(pc_siphash(m, 15, k, 2, 4) == 0xa129ca6149be45e5ull);
    CHECK(pc_siphash(m, 15, zero, 1, 3) == 0xf30eb725bb91c9eaull);
    char key[74];
    memcpy(key, "sha256:", 7);
    memset(key + 7, 'a', 64);
    memcpy(key + 71, "|x", 3);
    CHECK(pc_siphash(key, 73, zero, 1, 3) == 0x857fbcdc4eb6c4b4ull);
    key[40] = 'b';
    CHECK(pc_siphash(key, 73, zero, 1, 3) != 0x857fbcdc4eb6c4b4ull);
    CHECK(pc_siphash(key, 73, k, 1, 3) != pc_siphash(key, 73, zero, 1, 3));
}

int main(void)
{
    test_siphash();
    test_sha256();
    test_arena();
    test_durations();
    test_verdict_ttl();
    test_sizes();
    test_base64();
    test_utf8();
    test_buf();
    test_json_str();
    test_bytes();
    TEST_MAIN_END();
}

/*
 * replay.c — a main() for the libFuzzer targets without libFuzzer, so
 * `make test` runs every target (built with the test build's compiler and
 * sanitizers) over its seeds and the inputs in tests/fuzz/regress/, and
 * over a fixed number of deterministic mutations of them. What it finds
 * is what a target's own checks (FZ_CHECK) and the sanitizers say about
 * known inputs and their near neighbours: a target whose expectations went
 * stale, or a parser that no longer survives an input that once broke it,
 * fails the test suite instead of waiting for the next `make fuzz`.
 * It is not coverage-guided: `make fuzz` stays the search.
 *
 *   replay [-m MUTATIONS] [-l MAX_LEN] [-s SEED] [-t SECONDS] PATH...
 *
 * PATH is a file or a directory (its regular files, in name order). Every
 * input runs as it is; then MUTATIONS mutants of each (default 0), the
 * n-th made from the seed, the input's name and n alone, so a failure is
 * the same on every run. -t bounds the mutation phase only (0: no bound).
 * Prints one line: "replay: N inputs, M mutants"; exit 0, or whatever a
 * failed check or sanitizer does (abort).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

typedef struct input {
    char *name;
    uint8_t *data;
    size_t len;
} input;

typedef struct inputs {
    input *v;
    size_t n, cap;
} inputs;

static void die(const char *what, const char *path)
{
    fprintf(stderr, "replay: %s: %s: %s\n", what, path, strerror(errno));
    exit(2);
}

static void add_file(inputs *in, const char *path, size_t max_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open", path);
    if (in->n == in->cap) {
        in->cap = in->cap ? in->cap * 2 : 64;
        if (!(in->v = realloc(in->v, in->cap * sizeof *in->v)))
            die("out of memory", path);
    }
    input *x = &in->v[in->n++];
    x->name = strdup(path);
    x->data = malloc(max_len ? max_len : 1);
    if (!x->name || !x->data)
        die("out of memory", path);
    x->len = fread(x->data, 1, max_len, f); /* longer inputs are cut, as -max_len does */
    if (ferror(f))
        die("cannot read", path);
    fclose(f);
    uint8_t *exact = realloc(x->data, x->len ? x->len : 1); /* a read past the end is seen */
    if (!exact)
        die("out of memory", path);
    x->data = exact;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_path(inputs *in, const char *path, size_t max_len)
{
    struct stat st;
    if (stat(path, &st) < 0)
        die("cannot stat", path);
    if (!S_ISDIR(st.st_mode)) {
        add_file(in, path, max_len);
        return;
    }
    DIR *d = opendir(path);
    if (!d)
        die("cannot open", path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap && !(names = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names)))
            die("out of memory", path);
        size_t len = strlen(path) + strlen(de->d_name) + 2;
        if (!(names[n] = malloc(len)))
            die("out of memory", path);
        snprintf(names[n++], len, "%s/%s", path, de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            add_file(in, names[i], max_len);
        free(names[i]);
    }
    free(names);
}

static uint64_t next(uint64_t *s);

/* Two inputs every target gets, seeded or not: the empty one, and 256
 * fixed pseudo-random bytes (what the mutants of a target without seeds
 * grow from). */
static void add_builtin(inputs *in, size_t max_len)
{
    uint64_t s = 7;
    for (int k = 0; k < 2; k++) {
        if (in->n == in->cap) {
            in->cap = in->cap ? in->cap * 2 : 64;
            if (!(in->v = realloc(in->v, in->cap * sizeof *in->v)))
                die("out of memory", "inputs");
        }
        input *x = &in->v[in->n++];
        x->len = k == 0 ? 0 : max_len < 256 ? max_len : 256;
        x->name = strdup(k == 0 ? "(empty)" : "(random)");
        x->data = malloc(x->len ? x->len : 1);
        if (!x->name || !x->data)
            die("out of memory", "inputs");
        for (size_t j = 0; j < x->len; j++)
            x->data[j] = (uint8_t)next(&s);
    }
}

/* splitmix64: the mutants' only source of choices */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
    return n ? next(s) % n : 0;
}

static uint64_t name_hash(const char *p)
{
    uint64_t h = UINT64_C(1469598103934665603);
    const char *base = strrchr(p, '/');
    for (p = base ? base + 1 : p; *p; p++)
        h = (h ^ (unsigned char)*p) * UINT64_C(1099511628211);
    return h;
}

/* One mutant of x into buf (room for max_len bytes): one to four edits
 * of the kinds libFuzzer makes, other inputs spliced in too. */
static size_t mutate(uint64_t *s, const inputs *in, const input *x, uint8_t *buf, size_t max_len)
{
    static const uint8_t interesting[] = {0, 1, 0x7f, 0x80, 0xff, '0', '9', '"', '/', '\n', ' '};
    size_t len = x->len;
    memcpy(buf, x->data, len);
    unsigned edits = 1 + (unsigned)below(s, 4);
    for (unsigned k = 0; k < edits; k++) {
        switch (below(s, 7)) {
        case 0: /* flip a bit */
            if (len)
                buf[below(s, len)] ^= (uint8_t)(1u << below(s, 8));
            break;
        case 1: /* an interesting byte */
            if (len)
                buf[below(s, len)] = interesting[below(s, sizeof interesting)];
            break;
        case 2: /* insert a byte */
            if (len < max_len) {
                size_t at = below(s, len + 1);
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = (uint8_t)next(s);
                len++;
            }
            break;
        case 3: /* delete a range */
            if (len) {
                size_t at = below(s, len), n = 1 + below(s, len - at < 64 ? len - at : 64);
                memmove(buf + at, buf + at + n, len - at - n);
                len -= n;
            }
            break;
        case 4: /* cut the end */
            len = below(s, len + 1);
            break;
        case 5: /* copy a range over another */
            if (len > 1) {
                size_t from = below(s, len), to = below(s, len);
                size_t n = 1 + below(s, 32);
                if (n > len - from)
                    n = len - from;
                if (n > len - to)
                    n = len - to;
                memmove(buf + to, buf + from, n);
            }
            break;
        default: /* splice: this input's head, another's tail */
            if (in->n > 1) {
                const input *y = &in->v[below(s, in->n)];
                size_t keep = below(s, len + 1), from = below(s, y->len + 1);
                size_t n = y->len - from;
                if (n > max_len - keep)
                    n = max_len - keep;
                memcpy(buf + keep, y->data + from, n);
                len = keep + n;
            }
            break;
        }
    }
    return len;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    unsigned long mutations = 0;
    size_t max_len = 1u << 20;
    uint64_t seed = 1;
    double seconds = 0;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] && !argv[i][2]; i += 2) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(argv[i + 1], &end, 10);
        if (errno || *end || end == argv[i + 1]) {
            fprintf(stderr, "replay: %s wants a number, not \"%s\"\n", argv[i], argv[i + 1]);
            return 2;
        }
        switch (argv[i][1]) {
        case 'm': mutations = (unsigned long)v; break;
        case 'l': max_len = v ? (size_t)v : 1; break;
        case 's': seed = (uint64_t)v; break;
        case 't': seconds = (double)v; break;
        default: fprintf(stderr, "replay: unknown option %s\n", argv[i]); return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: replay [-m MUTATIONS] [-l MAX_LEN] [-s SEED] [-t SECONDS] PATH...\n");
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    inputs in = {0};
    for (; i < argc; i++)
        add_path(&in, argv[i], max_len);
    add_builtin(&in, max_len);
    for (size_t k = 0; k < in.n; k++)
        LLVMFuzzerTestOneInput(in.v[k].data, in.v[k].len);
    unsigned long made = 0;
    uint8_t *buf = malloc(max_len);
    if (!buf)
        die("out of memory", "mutants");
    double stop = seconds > 0 ? now() + seconds : 0;
    for (unsigned long m = 0; m < mutations && in.n && !(stop && now() > stop); m++)
        for (size_t k = 0; k < in.n; k++) {
            uint64_t s = seed ^ name_hash(in.v[k].name) ^ (UINT64_C(0x2545f4914f6cdd1d) * (m + 1));
            size_t len = mutate(&s, &in, &in.v[k], buf, max_len);
            /* an exact-size copy: the sanitizers see a read past its end */
            uint8_t *exact = malloc(len ? len : 1);
            if (!exact)
                die("out of memory", "mutants");
            memcpy(exact, buf, len);
            LLVMFuzzerTestOneInput(exact, len);
            free(exact);
            made++;
        }
    printf("replay: %zu inputs, %lu mutants\n", in.n, made);
    free(buf);
    for (size_t k = 0; k < in.n; k++) {
        free(in.v[k].name);
        free(in.v[k].data);
    }
    free(in.v);
    return 0;
}

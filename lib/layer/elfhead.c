/*
 * elfhead.c — what execve makes of an executable's head: ELF
 * identification and program headers from a bounded head buffer, a #!
 * line read as binfmt_script reads it, or neither (ENOEXEC); and for a
 * dynamically linked ELF (PT_INTERP) what ld.so will look for: the
 * DT_NEEDED sonames, DT_RPATH and DT_RUNPATH of its dynamic section, found
 * as the loader finds them (PT_DYNAMIC's address and DT_STRTAB mapped to
 * file offsets through the PT_LOAD segments). Every offset read from the
 * file is checked against the buffer before use; what lies beyond the head
 * is not reported, but pc_elf_head_need says how much more to read to see
 * it. A dynamic section that is malformed, too big (PC_DT_NEEDED_MAX,
 * PC_DT_STR_MAX) or out of reach is unknown (ent->dyn 0), never empty.
 */
#include <stdint.h>
#include <string.h>
#include "layer/elfhead.h"
#include "pcx.h"

static uint64_t rd(const unsigned char *p, size_t size, int be)
{
    return pc_uint_at(p, size, be);
}

/* The ELF header fields binfmt_elf reads to find the program headers. */
typedef struct elf_hdr {
    int cls, be;
    int exec; /* binfmt_elf would run it (elf_reading found its reading) */
    uint64_t phoff, phentsize, phnum;
} elf_hdr;

int pc_elf_exec_reading(const unsigned char *p, size_t n, int *be, int *c64)
{
    int b0 = n > 5 && p[5] == 2, w0 = n <= 4 || p[4] != 1;
    for (int k = 0; k < 4; k++) {
        int b = k & 1 ? !b0 : b0, w = k & 2 ? !w0 : w0;
        if (n < (w ? 64u : 52u))
            continue;
        uint64_t type = rd(p + 16, 2, b);
        if ((type == 2 || type == 3) && rd(p + (w ? 54 : 42), 2, b) == (w ? 56u : 32u)) {
            *be = b;
            *c64 = w;
            return 1;
        }
    }
    return 0;
}

/* The class binfmt_elf reads a header in (pc_elf_exec_reading; *fits 1),
 * or when it would not run it, the class it names (1 or 2; 0: none). */
static int elf_reading(const unsigned char *p, size_t n, int *be, int *fits)
{
    int c64;
    *fits = pc_elf_exec_reading(p, n, be, &c64);
    if (*fits)
        return c64 ? 2 : 1;
    *be = p[5] == 2;
    return p[4] == 1 || p[4] == 2 ? p[4] : 0;
}

/* h from the n >= 16 bytes at p; 0 when they are not a whole ELF header of
 * class 1 or 2 (as elf_reading reads it), or its program header table has
 * an impossible shape. */
static int elf_hdr_read(const unsigned char *p, size_t n, elf_hdr *h)
{
    h->cls = elf_reading(p, n, &h->be, &h->exec);
    if ((h->cls != 1 && h->cls != 2) || n < (h->cls == 2 ? 64u : 52u))
        return 0;
    h->phoff = h->cls == 2 ? rd(p + 32, 8, h->be) : rd(p + 28, 4, h->be);
    h->phentsize = rd(p + (h->cls == 2 ? 54 : 42), 2, h->be);
    h->phnum = rd(p + (h->cls == 2 ? 56 : 44), 2, h->be);
    return 1;
}

static int elf_phdrs_sane(const elf_hdr *h)
{
    return h->phentsize >= (h->cls == 2 ? 56u : 32u) && h->phnum <= 4096;
}

/* The fields of one program header this file reads. */
typedef struct phdr {
    uint64_t type, off, vaddr, filesz;
} phdr;

enum { PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3 };

static void phdr_read(const elf_hdr *h, const unsigned char *ph, phdr *o)
{
    int w = h->cls == 2 ? 8 : 4;
    o->type = rd(ph, 4, h->be);
    o->off = rd(ph + (h->cls == 2 ? 8 : 4), (size_t)w, h->be);
    o->vaddr = rd(ph + (h->cls == 2 ? 16 : 8), (size_t)w, h->be);
    o->filesz = rd(ph + (h->cls == 2 ? 32 : 16), (size_t)w, h->be);
}

/* 1 when the program header at ph is PT_INTERP: its file offset and size. */
static int elf_interp(const elf_hdr *h, const unsigned char *ph, uint64_t *o, uint64_t *sz)
{
    phdr ph_;
    phdr_read(h, ph, &ph_);
    if (ph_.type != PT_INTERP)
        return 0;
    *o = ph_.off;
    *sz = ph_.filesz;
    return 1;
}

/* The file as far as it was read: its head (bytes [0, n) at p, holding
 * the program header table: the caller checks) and, when q is set, a
 * piece further on (bytes [qoff, qoff + qn) at q). */
typedef struct elf_view {
    const elf_hdr *h;
    const unsigned char *p;
    size_t n;
    const unsigned char *q;
    uint64_t qoff;
    size_t qn;
} elf_view;

static void view_phdr(const elf_view *v, uint64_t i, phdr *o)
{
    phdr_read(v->h, v->p + v->h->phoff + i * v->h->phentsize, o);
}

/* The bytes at file offset off and how many follow them in the same piece
 * (*room); NULL when neither piece holds that offset. */
static const unsigned char *view_at(const elf_view *v, uint64_t off, uint64_t *room)
{
    if (off < v->n) {
        *room = v->n - off;
        return v->p + off;
    }
    if (v->q && off >= v->qoff && off - v->qoff < v->qn) {
        *room = v->qn - (off - v->qoff);
        return v->q + (off - v->qoff);
    }
    return NULL;
}

/* The file offset of len bytes at virtual address va, as the kernel maps
 * them: inside one PT_LOAD's file bytes (the last such segment, as later
 * mappings replace earlier ones); 0 when no segment holds them whole. */
static int vaddr_to_off(const elf_view *v, uint64_t va, uint64_t len, uint64_t *off)
{
    int found = 0;
    for (uint64_t i = 0; i < v->h->phnum; i++) {
        phdr ph;
        view_phdr(v, i, &ph);
        if (ph.type != PT_LOAD || va < ph.vaddr || va - ph.vaddr > ph.filesz ||
            len > ph.filesz - (va - ph.vaddr) || ph.off > UINT64_MAX - (va - ph.vaddr))
            continue;
        *off = ph.off + (va - ph.vaddr);
        found = 1;
    }
    return found;
}

/* The dynamic section's bounds: at most this many entries are read, and
 * one name (DT_NEEDED, DT_RPATH, DT_RUNPATH) is at most PATH_MAX bytes. */
enum { DYN_ENTRIES_MAX = 4096, DYN_NAME_MAX = 4096 };
enum { DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_RPATH = 15, DT_RUNPATH = 29 };
enum { DYN_UNKNOWN, DYN_MORE, DYN_OK };

/* What ld.so reads of a dynamic section: its entries up to DT_NULL and the
 * string table they point into. */
typedef struct dyn_info {
    uint64_t off, size; /* the entries read (file offset, bytes) */
    const unsigned char *ents;
    uint64_t stroff, strsz;
    uint64_t nneeded, maxval;
    int missing; /* DYN_MORE: 1 the entries, 2 the strings */
} dyn_info;

static int dyn_name(uint64_t tag)
{
    return tag == DT_NEEDED || tag == DT_RPATH || tag == DT_RUNPATH;
}

/* The dynamic section of the ELF in v: DYN_OK with d filled when the
 * entries and every name they point at were read, DYN_MORE with *need
 * (the end of what is missing, past what was read) when they lie
 * further on, DYN_UNKNOWN when there is no dynamic section ld.so would
 * read, or it is malformed or out of bounds. */
static int elf_dynamic(const elf_view *v, dyn_info *d, uint64_t *need)
{
    const elf_hdr *h = v->h;
    uint64_t esz = h->cls == 2 ? 16 : 8, dva = 0, dsz = 0, room;
    int ndyn = 0;
    for (uint64_t i = 0; i < h->phnum; i++) {
        phdr ph;
        view_phdr(v, i, &ph);
        if (ph.type == PT_DYNAMIC) {
            dva = ph.vaddr;
            dsz = ph.filesz;
            ndyn++;
        }
    }
    /* ld.so finds the section at its address, so it is read where that
     * address is mapped from (two PT_DYNAMICs: which one counts is up to
     * the loader's version, so neither) */
    if (ndyn != 1 || dsz < esz || !vaddr_to_off(v, dva, dsz, &d->off))
        return DYN_UNKNOWN;
    d->size = dsz / esz < DYN_ENTRIES_MAX ? dsz / esz * esz : DYN_ENTRIES_MAX * esz;
    if (d->off > UINT64_MAX - d->size)
        return DYN_UNKNOWN;
    d->ents = view_at(v, d->off, &room);
    if (!d->ents || room < d->size) {
        *need = d->off + d->size;
        d->missing = 1;
        return DYN_MORE;
    }
    /* the loader keeps the last entry of each tag, and stops at DT_NULL */
    uint64_t strtab = 0, strsz = 0;
    int has_tab = 0, has_sz = 0, ended = 0, names = 0;
    d->nneeded = d->maxval = 0;
    for (uint64_t k = 0; k < d->size / esz && !ended; k++) {
        const unsigned char *q = d->ents + k * esz;
        uint64_t tag = rd(q, (size_t)esz / 2, h->be), val = rd(q + esz / 2, (size_t)esz / 2, h->be);
        ended = tag == DT_NULL;
        if (tag == DT_STRTAB)
            strtab = val, has_tab = 1;
        else if (tag == DT_STRSZ)
            strsz = val, has_sz = 1;
        if (tag == DT_NEEDED && ++d->nneeded > PC_DT_NEEDED_MAX)
            return DYN_UNKNOWN;
        if (dyn_name(tag)) {
            names = 1;
            if (val > d->maxval)
                d->maxval = val;
        }
    }
    if (!ended)
        return DYN_UNKNOWN; /* ld.so would read on past the segment */
    d->strsz = 0;
    if (!names)
        return DYN_OK;
    if (!has_tab || !has_sz || d->maxval >= strsz || !vaddr_to_off(v, strtab, strsz, &d->stroff))
        return DYN_UNKNOWN;
    d->strsz = strsz;
    /* the strings are read up to the last name's NUL, at most DYN_NAME_MAX on */
    uint64_t span = strsz - d->maxval > DYN_NAME_MAX + 1 ? d->maxval + DYN_NAME_MAX + 1 : strsz;
    if (d->stroff > UINT64_MAX - span)
        return DYN_UNKNOWN;
    if (!view_at(v, d->stroff, &room) || room < span) {
        *need = d->stroff + span;
        d->missing = 2;
        return DYN_MORE;
    }
    return DYN_OK;
}

/* One name of the string table: its length (at stroff + val), or -1 when
 * it has no NUL within the table, the piece read and DYN_NAME_MAX. */
static int64_t dyn_strlen(const elf_view *v, const dyn_info *d, uint64_t val,
                          const unsigned char **at)
{
    uint64_t room, left = d->strsz - val;
    *at = view_at(v, d->stroff + val, &room);
    if (!*at)
        return -1;
    if (room > left)
        room = left;
    if (room > DYN_NAME_MAX + 1)
        room = DYN_NAME_MAX + 1;
    const unsigned char *z = memchr(*at, 0, (size_t)room);
    return z ? (int64_t)(z - *at) : -1;
}

/* ent's needed, rpath and runpath from a DYN_OK section; -1 out of memory.
 * Every name is checked before anything is kept: a section with one bad
 * name, or too many bytes of names, stays unknown. */
static int dyn_collect(const elf_view *v, const dyn_info *d, pc_entry *ent, pc_arena *arena)
{
    uint64_t esz = v->h->cls == 2 ? 16 : 8, total = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (uint64_t i = 0; i < d->size / esz; i++) {
            const unsigned char *q = d->ents + i * esz, *at;
            uint64_t tag = rd(q, (size_t)esz / 2, v->h->be);
            uint64_t val = rd(q + esz / 2, (size_t)esz / 2, v->h->be);
            if (tag == DT_NULL)
                break;
            if (!dyn_name(tag))
                continue;
            int64_t len = dyn_strlen(v, d, val, &at);
            if (pass == 0) {
                total += (uint64_t)len + 1;
                if (len < 0 || total > PC_DT_STR_MAX)
                    return 0;
                continue;
            }
            char *str = pc_arena_strndup(arena, (const char *)at, (size_t)len);
            if (!str)
                return -1;
            if (tag == DT_RPATH)
                ent->rpath = str;
            else if (tag == DT_RUNPATH)
                ent->runpath = str;
            else if (len > 0) /* an empty name is no file */
                ent->needed[k++] = str;
        }
        if (pass == 0 && d->nneeded) {
            ent->needed = pc_arena_alloc(arena, (size_t)d->nneeded * sizeof *ent->needed);
            if (!ent->needed)
                return -1;
        }
        if (pass == 1)
            ent->nneeded = (uint16_t)k;
    }
    ent->dyn = 1;
    return 0;
}

static int parse_elf(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena)
{
    elf_hdr h;
    ent->head = PC_HEAD_NOEXEC; /* binfmt_elf refuses what it cannot read */
    if (!elf_hdr_read(p, n, &h))
        return 0;
    /* binfmt_elf also wants one program header at least, and at most
     * 64 KiB of them (and within a page: the host's, not known here) */
    int exec = h.exec && h.phnum >= 1 && h.phnum * h.phentsize <= 65536;
    ent->head = exec ? PC_HEAD_ELF : PC_HEAD_BADELF;
    ent->elf_class = (uint8_t)h.cls;
    ent->elf_machine = (uint16_t)rd(p + 18, 2, h.be);
    if (!elf_phdrs_sane(&h) || h.phoff >= n)
        return 0;
    for (uint64_t i = 0; i < h.phnum; i++) {
        uint64_t off = h.phoff + i * h.phentsize, o, sz;
        if (off > n || n - off < h.phentsize)
            return 0;
        if (!elf_interp(&h, p + off, &o, &sz))
            continue;
        if (o >= n || sz == 0 || sz > n - o || sz > 4096)
            return 0;
        size_t len = strnlen((const char *)p + o, (size_t)sz);
        ent->interp = pc_arena_strndup(arena, (const char *)p + o, len);
        if (!ent->interp)
            return -1;
        break;
    }
    /* a dynamically linked program: what its loader will look for */
    elf_view v = {&h, p, n, NULL, 0, 0};
    dyn_info d;
    uint64_t need;
    if (!ent->interp || h.phoff + h.phnum * h.phentsize > n || elf_dynamic(&v, &d, &need) != DYN_OK)
        return 0;
    return dyn_collect(&v, &d, ent, arena);
}

size_t pc_elf_head_need(const unsigned char *p, size_t n, size_t limit)
{
    elf_hdr h;
    if (n < 16 ||
        memcmp(p,
               "\x7f"
               "ELF",
               4) != 0 ||
        !elf_hdr_read(p, n, &h) || !elf_phdrs_sane(&h) || h.phoff > UINT64_MAX / 2)
        return 0;
    uint64_t table_end = h.phoff + h.phnum * h.phentsize; /* at most 2^63 + 2^28: no overflow */
    if (table_end > n)
        return table_end <= limit ? (size_t)table_end : 0;
    elf_view v = {&h, p, n, NULL, 0, 0};
    uint64_t want = 0, need = 0;
    int interp = 0;
    for (uint64_t i = 0; i < h.phnum; i++) {
        uint64_t o, sz;
        if (!elf_interp(&h, p + h.phoff + i * h.phentsize, &o, &sz))
            continue;
        interp = 1;
        if (sz != 0 && sz <= 4096 && o <= UINT64_MAX - sz && o + sz > n && o + sz <= limit)
            want = o + sz;
        break;
    }
    dyn_info d;
    if (!interp || elf_dynamic(&v, &d, &need) != DYN_MORE)
        return (size_t)want;
    if (need <= limit) {
        if (need > want)
            want = need;
    } else if (d.missing == 1) {
        /* the entries are out of reach of the head (pc_elf_dyn_far catches
         * them further on), but the names they point at are read now: the
         * stream will have passed them. They lie (DT_STRTAB) in the first
         * segment, the one that maps the ELF header; read it, within limit */
        for (uint64_t i = 0; i < h.phnum; i++) {
            phdr ph;
            view_phdr(&v, i, &ph);
            if (ph.type != PT_LOAD || ph.off != 0)
                continue;
            uint64_t end = ph.filesz < limit ? ph.filesz : limit;
            if (end > n && end > want)
                want = end;
            break;
        }
    }
    return (size_t)want;
}

/* The head of a dynamically linked ELF whose program header table it
 * holds: its view (0 when it is not one). */
static int dyn_head(const unsigned char *p, size_t n, elf_hdr *h, elf_view *v)
{
    if (n < 16 ||
        memcmp(p,
               "\x7f"
               "ELF",
               4) != 0 ||
        !elf_hdr_read(p, n, h) || !elf_phdrs_sane(h) || h->phoff >= n ||
        h->phoff + h->phnum * h->phentsize > n)
        return 0;
    *v = (elf_view){h, p, n, NULL, 0, 0};
    int interp = 0;
    for (uint64_t i = 0; i < h->phnum; i++) {
        phdr ph;
        view_phdr(v, i, &ph);
        interp |= ph.type == PT_INTERP;
    }
    return interp;
}

int pc_elf_dyn_far(const unsigned char *p, size_t n, uint64_t fsize, uint64_t *off, size_t *len)
{
    elf_hdr h;
    elf_view v;
    dyn_info d;
    uint64_t need;
    if (!dyn_head(p, n, &h, &v) || elf_dynamic(&v, &d, &need) != DYN_MORE || d.missing != 1 ||
        d.off < n || d.off > fsize || d.size > fsize - d.off)
        return 0;
    *off = d.off;
    *len = (size_t)d.size; /* at most DYN_ENTRIES_MAX entries */
    return 1;
}

int pc_elf_dyn_parse_far(const unsigned char *p, size_t n, const unsigned char *q, uint64_t qoff,
                         size_t qn, pc_entry *ent, pc_arena *arena)
{
    elf_hdr h;
    elf_view v;
    dyn_info d;
    uint64_t need;
    if (ent->head != PC_HEAD_ELF || !ent->interp || ent->dyn || !dyn_head(p, n, &h, &v))
        return 0;
    v.q = q;
    v.qoff = qoff;
    v.qn = qn;
    if (elf_dynamic(&v, &d, &need) != DYN_OK)
        return 0;
    return dyn_collect(&v, &d, ent, arena);
}

/* binfmt_script's reading (fs/binfmt_script.c since Linux 5.1) of the
 * first BINPRM_BUF_SIZE bytes: the line ends at the first '\n' in them,
 * else at the buffer's end, and then only when a space, tab or NUL shows
 * that the interpreter's path was not cut. Trailing spaces and tabs are
 * trimmed; the interpreter is what follows "#!" and any spaces or tabs, up
 * to the next space, tab or NUL. Nothing else ends it: a '\r' of a CRLF
 * file is part of the interpreter's name, which then does not exist. */
enum { BINPRM_BUF_SIZE = 256 };

static int spacetab(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static int terminator(unsigned char c)
{
    return c == ' ' || c == '\t' || c == 0;
}

static int parse_script(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena)
{
    unsigned char buf[BINPRM_BUF_SIZE] = {0}; /* what the kernel reads: zeros past the end */
    memcpy(buf, p, n < sizeof buf ? n : sizeof buf);
    size_t end = 2, last = sizeof buf - 1; /* the kernel's buf_end */
    while (end < sizeof buf && buf[end] != '\n')
        end++;
    if (end == sizeof buf) { /* no newline in the buffer */
        size_t i = 2;
        while (i < last && spacetab(buf[i]))
            i++;
        while (i < last && !terminator(buf[i]))
            i++;
        if (i >= last) { /* all blanks, or the interpreter's path is cut */
            ent->head = PC_HEAD_BADSHEBANG;
            return 0;
        }
        end = last;
    }
    while (end > 2 && spacetab(buf[end - 1]))
        end--;
    size_t name = 2;
    while (name < end && spacetab(buf[name]))
        name++;
    if (name >= end || buf[name] == 0) {
        ent->head = PC_HEAD_BADSHEBANG;
        return 0;
    }
    /* interp keeps the line up to its end or a NUL (the check splits off
     * the argument at the first space or tab, as the kernel does) */
    size_t stop = name;
    while (stop < end && buf[stop] != 0)
        stop++;
    ent->head = PC_HEAD_SCRIPT;
    ent->interp = pc_arena_strndup(arena, (const char *)buf + name, stop - name);
    return ent->interp ? 0 : -1;
}

int pc_head_parse(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena)
{
    if (n >= 4 && memcmp(p,
                         "\x7f"
                         "ELF",
                         4) == 0) {
        if (n >= 16)
            return parse_elf(p, n, ent, arena);
        ent->head = PC_HEAD_NOEXEC;
    } else if (n >= 2 && p[0] == '#' && p[1] == '!')
        return parse_script(p, n, ent, arena);
    else if (n >= 5 && memcmp(p, "\xef\xbb\xbf#!", 5) == 0)
        ent->head = PC_HEAD_BOM;
    else
        ent->head = PC_HEAD_NOEXEC;
    return 0;
}

static const struct {
    unsigned machine;
    const char *name, *arch;
} machines[] = {
    {3, "i386", "386"},          {8, "mips", "mips"},
    {20, "ppc", "ppc"},          {21, "ppc64", "ppc64le"},
    {22, "s390x", "s390x"},      {40, "arm", "arm"},
    {62, "x86_64", "amd64"},     {183, "aarch64", "arm64"},
    {243, "riscv64", "riscv64"}, {258, "loongarch64", "loong64"},
};

const char *pc_elf_machine_name(unsigned machine)
{
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
        if (machines[i].machine == machine)
            return machines[i].name;
    return NULL;
}

unsigned pc_elf_machine_for_arch(const char *arch)
{
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
        if (strcmp(machines[i].arch, arch) == 0)
            return machines[i].machine;
    if (strcmp(arch, "ppc64") == 0 || strcmp(arch, "mips64") == 0 || strcmp(arch, "mips64le") == 0)
        return strcmp(arch, "ppc64") == 0 ? 21 : 8;
    return 0;
}

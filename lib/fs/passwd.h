/*
 * passwd.h — the image's USER as the container runtimes resolve it, and
 * the image's own /etc/passwd and /etc/group bytes (never the host's)
 * read exactly as they read them: runc's libcontainer/user (used by
 * containerd and Docker), which is Go code. passwd.c reads the files;
 * userspec.c resolves USER (pc_user_resolve, below).
 *
 * The files:
 *   - lines end at '\n'; a passwd line longer than PC_PW_LINE_MAX bytes
 *     makes the whole parse fail (bufio.Scanner's 64 KiB token limit), so
 *     the runtime refuses the container; /etc/group has no such limit;
 *   - each line is trimmed with Go's bytes.TrimSpace (ASCII \t\n\v\f\r and
 *     space, and the Unicode White_Space runes in UTF-8: U+0085, U+00A0,
 *     U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000);
 *   - empty lines are skipped; in /etc/passwd nothing else is: a line
 *     starting with '#' is a user named "#..."; /etc/group skips them;
 *   - fields are split on ':', missing ones stay empty/0, extra ones are
 *     ignored; numeric fields are read with Go's strconv.Atoi and its error
 *     ignored: 0 on a syntax error ("1000x", "", " 1000"), clamped to
 *     INT64_MAX/INT64_MIN on overflow. The runtimes compare them as 64-bit
 *     ints and hand uint32 (truncated) values to the kernel.
 * Lookups are "first match wins", but a passwd parse failure anywhere in
 * the file fails the lookup, as it does for runc.
 */
#ifndef PC_PASSWD_H
#define PC_PASSWD_H

#include <stddef.h>
#include <stdint.h>

/* Go's strconv.Atoi on a 64-bit platform. */
#define PC_ATOI_OK 0
#define PC_ATOI_SYNTAX -1 /* *out = 0 */
#define PC_ATOI_RANGE -2  /* *out = INT64_MAX or INT64_MIN */
int pc_go_atoi(const char *s, size_t len, int64_t *out);

/* Go's bytes.TrimSpace, in place on [*s, *s + *len). */
void pc_go_trim_space(const char **s, size_t *len);

/* The longest /etc/passwd line runc reads (bytes before the '\n'). */
#define PC_PW_LINE_MAX 65535

typedef enum { PC_IDF_PASSWD, PC_IDF_GROUP } pc_idf_kind;

typedef struct pc_idlines {
    const char *text;
    size_t len, pos;
    pc_idf_kind kind;
} pc_idlines;

void pc_idlines_init(pc_idlines *it, pc_idf_kind kind, const char *text, size_t len);
/* 1: [*line, *line + *n) is the next trimmed, non-empty line; 0: no more;
 * -1: a passwd line longer than PC_PW_LINE_MAX (the whole parse fails). */
int pc_idlines_next(pc_idlines *it, const char **line, size_t *n);

typedef struct pc_field {
    const char *p; /* into the file's bytes; not NUL-terminated */
    size_t n;
} pc_field;

/* name:password:uid:gid:gecos:home:shell */
typedef struct pc_pwent {
    pc_field name, uid_field, gid_field;
    int64_t uid, gid; /* Atoi, error ignored */
} pc_pwent;

/* name:password:gid:member,member,... */
typedef struct pc_grent {
    pc_field name, gid_field, members;
    int64_t gid;
} pc_grent;

void pc_pwent_parse(const char *line, size_t n, pc_pwent *e);
void pc_grent_parse(const char *line, size_t n, pc_grent *e);

/* First entry of text (NULL: no file) that matches: 1 found (*out set),
 * 0 none, -1 the file cannot be parsed (the runtime refuses). */
int pc_pw_find_name(const char *text, size_t len, const char *name, size_t nlen, pc_pwent *out);
int pc_pw_find_uid(const char *text, size_t len, int64_t uid, pc_pwent *out);
int pc_gr_find_name(const char *text, size_t len, const char *name, size_t nlen, pc_grent *out);
int pc_gr_find_gid(const char *text, size_t len, int64_t gid, pc_grent *out);

/* Shorthands on the above, with uint32 (truncated) ids: 0 found, -1 not. */
int pc_passwd_by_name(const char *text, size_t len, const char *name, uint32_t *uid, uint32_t *gid);
int pc_passwd_by_uid(const char *text, size_t len, uint32_t uid, uint32_t *gid);
int pc_group_by_name(const char *text, size_t len, const char *name, uint32_t *gid);
/* The first user name UID has in passwd text, into buf; -1 when not listed
 * (or the name does not fit). */
int pc_passwd_name_by_uid(const char *text, size_t len, uint32_t uid, char *buf, size_t buflen);
/* Call fn with the gid of every group in group text whose member list
 * (fourth field, split on ',', compared exactly) names NAME, in file order. */
typedef void (*pc_group_fn)(void *ud, uint32_t gid);
void pc_group_memberships(const char *text, size_t len, const char *name, size_t nlen,
                          pc_group_fn fn, void *ud);

/* A plain decimal id 0..4294967294 (no sign, at most 10 digits); -1 when
 * not. For portcullis' own syntax (ports), not for what a runtime reads. */
int pc_parse_id(const char *s, size_t len, uint32_t *out);

/* ---- USER -> uid:gid ------------------------------------------------
 *
 * Three readings are modelled, from the runtimes' sources:
 *
 *   containerd (oci.WithUser; the CRI plugin uses it too). USER "" is
 *   never looked up: root. Split on ':'; more than two parts is refused.
 *   A part is a number when Go's strconv.Atoi accepts it ("+0", "-0",
 *   "000" are 0; a value beyond int64 is a name); the number is truncated
 *   to uint32 ("4294967296" is 0, "-1" is 4294967295). Releases from
 *   1.6.38, 1.7.27 and 2.0.4 (and Debian's 1.6.20~ds1-1+deb12u3) take only
 *   0..2^31-1 as numbers, anything else as a name. "uid": gid of the first
 *   passwd entry with that uid, else 0 (also without /etc/passwd). "name":
 *   the first passwd entry of that name, else refused. "u:g": the gid
 *   comes from the group part only (a number, or the first group of that
 *   name, else refused); an empty part reads as 0 ("app:" is gid 0, ":5"
 *   is uid 0).
 *
 *   Docker (moby's getUser -> runc's user.GetExecUser). Only the first two
 *   ':' parts count. A user part Atoi accepts is looked up as a uid, else
 *   as a name, "" as uid 0; a number not in /etc/passwd must be in
 *   0..2^31-1, a name must be there. "u:g": the group is found by gid or
 *   name, else the number (0..2^31-1) is used, else refused; without a
 *   group part the gid is the passwd entry's. Ids from the files are
 *   handed on truncated to uint32. /etc/passwd is read for every USER.
 *
 * Any passwd line over 64 KiB fails the parse wherever /etc/passwd is
 * read, and the runtime refuses. A file that is there but whose bytes
 * portcullis does not have (over 1 MiB, not a regular file) leaves a name
 * unresolved (PC_UR_UNREADABLE) and a number's gid a guess (0).
 *
 * The reading judged is the worst one: the first (in pc_runtime order)
 * that starts the container as uid 0, else the first that starts it,
 * else refused.
 */

typedef enum {
    PC_RT_CONTAINERD,        /* containerd 1.6.0-1.6.37, 1.7.0-1.7.26, 2.0.0-2.0.3 */
    PC_RT_CONTAINERD_RANGED, /* containerd 1.6.38+, 1.7.27+, 2.0.4+ */
    PC_RT_DOCKER,            /* Docker (runc's GetExecUser) */
    PC_RT_COUNT
} pc_runtime;

typedef enum {
    PC_UR_OK = 0,
    PC_UR_NO_PASSWD,    /* a user name, and the image has no /etc/passwd */
    PC_UR_NO_USER,      /* a user name /etc/passwd does not list */
    PC_UR_NO_GROUPFILE, /* a group name, and the image has no /etc/group */
    PC_UR_NO_GROUP,     /* a group name /etc/group does not list */
    PC_UR_LONG_LINE,    /* /etc/passwd has a line over 64 KiB: runc cannot read it */
    PC_UR_COLONS,       /* more than one ':' (containerd) */
    PC_UR_RANGE,        /* a number outside 0..2^31-1 the files do not list (runc) */
    PC_UR_UNREADABLE,   /* a name, and portcullis does not have the file's bytes */
} pc_user_err;

typedef enum {
    PC_UID_DEFAULT, /* no user part: the runtime's default, uid 0 */
    PC_UID_NUMBER,  /* the user part read as a number */
    PC_UID_PASSWD,  /* the uid field of the passwd entry the name matched */
} pc_uid_from;

/* The image's account files. */
typedef struct pc_idfiles {
    const char *passwd, *group; /* bytes; NULL when absent or unreadable */
    size_t plen, glen;
    int passwd_unreadable, group_unreadable; /* there, but the bytes are unknown */
} pc_idfiles;

typedef struct pc_user_res {
    int ok; /* 1: the runtime starts the container as uid:gid */
    uint32_t uid, gid;
    pc_user_err err; /* when !ok */
    const char *why; /* when !ok: pc_user_err_text(err) */
    pc_runtime rt;   /* whose reading this is */
    pc_uid_from uid_from;
    int64_t number;   /* PC_UID_NUMBER: the user part as Atoi reads it */
    pc_field pw_name; /* the passwd entry the user matched (p NULL: none) */
    pc_field pw_uid;  /* its raw uid field */
    int group_given;  /* USER has a group part: no supplementary groups */
    int gid_guessed;  /* the gid would come from a file portcullis cannot read */
    int divergent;    /* the readings do not all agree (outcome, uid or gid) */
} pc_user_res;

/* One runtime's reading of USER (NULL is ""). */
void pc_user_resolve_as(pc_runtime rt, const char *user, const pc_idfiles *f, pc_user_res *out);
/* The reading portcullis judges (the worst, above). 0: out->uid:gid;
 * -1: no runtime starts it, out->why says why (containerd's reason). */
int pc_user_resolve_full(const char *user, const pc_idfiles *f, pc_user_res *out);
/* The same, in short: 0 and *uid:*gid, or -1 and a message in ebuf. */
int pc_user_resolve(const char *user, const char *passwd, size_t plen, int passwd_unreadable,
                    const char *group, size_t glen, int group_unreadable, uint32_t *uid,
                    uint32_t *gid, char *ebuf, size_t elen);

const char *pc_user_err_text(pc_user_err e);
const char *pc_runtime_name(pc_runtime rt);

#endif

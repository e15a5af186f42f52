/*
 * passwd.h — look users and groups up in the image's own /etc/passwd and
 * /etc/group bytes (never the host's).
 */
#ifndef PC_PASSWD_H
#define PC_PASSWD_H

#include <stddef.h>
#include <stdint.h>

/* Find NAME in passwd text; 0 and uid/gid set when found, -1 otherwise. */
int pc_passwd_by_name(const char *text, size_t len, const char *name, uint32_t *uid, uint32_t *gid);
/* Find UID's primary gid; -1 when not listed. */
int pc_passwd_by_uid(const char *text, size_t len, uint32_t uid, uint32_t *gid);
/* Find group NAME's gid in group text; -1 when not found. */
int pc_group_by_name(const char *text, size_t len, const char *name, uint32_t *gid);
/* The first user name UID has in passwd text, into buf; -1 when not listed
 * (or the name does not fit). */
int pc_passwd_name_by_uid(const char *text, size_t len, uint32_t uid, char *buf, size_t buflen);
/* Call fn with the gid of every group in group text whose member list
 * (fourth field) names NAME, in file order. */
typedef void (*pc_group_fn)(void *ud, uint32_t gid);
void pc_group_memberships(const char *text, size_t len, const char *name, pc_group_fn fn, void *ud);
/* Parse a decimal id (0..4294967294); -1 when not a number. */
int pc_parse_id(const char *s, size_t len, uint32_t *out);

#endif

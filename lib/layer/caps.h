/*
 * caps.h — Linux capability names and the security.capability xattr
 * (struct vfs_cap_data, revisions 1–3) decoder.
 */
#ifndef PC_CAPS_H
#define PC_CAPS_H

#include <stddef.h>
#include <stdint.h>

#define PC_CAP_MAX 64

/* "cap_net_raw" for 13; NULL when unknown. */
const char *pc_cap_name(int cap);
/* Accepts "NET_RAW", "CAP_NET_RAW", "cap_net_raw"; -1 when unknown.
 * "ALL" is not a capability: callers handle it. */
int pc_cap_from_name(const char *name);

typedef struct pc_filecap {
    uint64_t permitted, inheritable;
    int effective;   /* the effective bit */
    uint32_t rootid; /* v3 namespaced root uid, 0 otherwise */
} pc_filecap;

/* Decode the raw xattr value; -1 when malformed. */
int pc_filecap_decode(const void *val, size_t len, pc_filecap *out);
/* "cap_net_raw,cap_net_admin+ep" into buf (truncated safely). */
void pc_filecap_format(const pc_filecap *c, char *buf, size_t n);

#endif

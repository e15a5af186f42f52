/*
 * caps.c — Linux capability names (numbering of linux/capability.h) and the
 * decoder for the security.capability xattr, struct vfs_cap_data:
 *
 *   le32 magic_etc;                 revision in the top byte, bit 0 effective
 *   { le32 permitted, inheritable } data[1 (v1) or 2 (v2, v3)];
 *   le32 rootid;                    v3 only: the namespace's root uid
 *
 * Lengths must match the revision exactly, as the kernel requires. The
 * xattr comes from an untrusted layer, so every byte is bounds-checked.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "layer/caps.h"
#include "pcx.h"

#define CAP_REV_MASK 0xFF000000u
#define CAP_REV_1 0x01000000u
#define CAP_REV_2 0x02000000u
#define CAP_REV_3 0x03000000u
#define CAP_EFFECTIVE 0x00000001u

/* Index = capability number. */
static const char *const cap_names[] = {
    "cap_chown",
    "cap_dac_override",
    "cap_dac_read_search",
    "cap_fowner",
    "cap_fsetid",
    "cap_kill",
    "cap_setgid",
    "cap_setuid",
    "cap_setpcap",
    "cap_linux_immutable",
    "cap_net_bind_service",
    "cap_net_broadcast",
    "cap_net_admin",
    "cap_net_raw",
    "cap_ipc_lock",
    "cap_ipc_owner",
    "cap_sys_module",
    "cap_sys_rawio",
    "cap_sys_chroot",
    "cap_sys_ptrace",
    "cap_sys_pacct",
    "cap_sys_admin",
    "cap_sys_boot",
    "cap_sys_nice",
    "cap_sys_resource",
    "cap_sys_time",
    "cap_sys_tty_config",
    "cap_mknod",
    "cap_lease",
    "cap_audit_write",
    "cap_audit_control",
    "cap_setfcap",
    "cap_mac_override",
    "cap_mac_admin",
    "cap_syslog",
    "cap_wake_alarm",
    "cap_block_suspend",
    "cap_audit_read",
    "cap_perfmon",
    "cap_bpf",
    "cap_checkpoint_restore",
};

#define NCAP_NAMES ((int)(sizeof cap_names / sizeof cap_names[0]))

const char *pc_cap_name(int cap)
{
    return cap >= 0 && cap < NCAP_NAMES ? cap_names[cap] : NULL;
}

int pc_cap_from_name(const char *name)
{
    if (!name)
        return -1;
    /* The table holds "cap_x"; compare the part after the prefix so that
     * "NET_RAW", "CAP_NET_RAW" and "cap_net_raw" all match. */
    const char *bare = strncasecmp(name, "cap_", 4) == 0 ? name + 4 : name;
    for (int i = 0; i < NCAP_NAMES; i++)
        if (strcasecmp(bare, cap_names[i] + 4) == 0)
            return i;
    return -1;
}

int pc_filecap_decode(const void *val, size_t len, pc_filecap *out)
{
    const unsigned char *p = val;
    if (!p || !out || len < 4)
        return -1;
    uint32_t magic = pc_le32(p);
    size_t want, pairs;
    switch (magic & CAP_REV_MASK) {
    case CAP_REV_1:
        want = 12, pairs = 1;
        break;
    case CAP_REV_2:
        want = 20, pairs = 2;
        break;
    case CAP_REV_3:
        want = 24, pairs = 2;
        break;
    default:
        return -1;
    }
    if (len != want)
        return -1;
    memset(out, 0, sizeof *out);
    out->effective = (magic & CAP_EFFECTIVE) != 0;
    for (size_t i = 0; i < pairs; i++) {
        out->permitted |= (uint64_t)pc_le32(p + 4 + 8 * i) << (32 * i);
        out->inheritable |= (uint64_t)pc_le32(p + 8 + 8 * i) << (32 * i);
    }
    if ((magic & CAP_REV_MASK) == CAP_REV_3)
        out->rootid = pc_le32(p + 20);
    return 0;
}

/* Append s at *used; stops (keeping the NUL) when buf is full. */
static void put(char *buf, size_t n, size_t *used, const char *s)
{
    size_t sl = strlen(s);
    if (*used >= n - 1)
        return;
    size_t room = n - 1 - *used;
    if (sl > room)
        sl = room;
    memcpy(buf + *used, s, sl);
    *used += sl;
    buf[*used] = 0;
}

void pc_filecap_format(const pc_filecap *c, char *buf, size_t n)
{
    if (!buf || n == 0)
        return;
    buf[0] = 0;
    if (!c)
        return;
    size_t used = 0;
    int any = 0;
    for (int i = 0; i < PC_CAP_MAX; i++) {
        if (!(c->permitted & (UINT64_C(1) << i)))
            continue;
        char num[16];
        const char *name = pc_cap_name(i);
        if (!name) {
            snprintf(num, sizeof num, "cap_%d", i);
            name = num;
        }
        if (any)
            put(buf, n, &used, ",");
        put(buf, n, &used, name);
        any = 1;
    }
    if (!any)
        put(buf, n, &used, "none");
    put(buf, n, &used, c->effective ? "+ep" : "+p");
}

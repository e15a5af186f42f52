/*
 * checkid.h — the stable check ids of DESIGN.md as an enum, and their names.
 */
#ifndef PC_CHECKID_H
#define PC_CHECKID_H

typedef enum {
    PC_CHK_ROOT_USER,
    PC_CHK_MISSING_ENTRYPOINT,
    PC_CHK_ENTRYPOINT_UNRUNNABLE,
    PC_CHK_WORKDIR_INACCESSIBLE,
    PC_CHK_SETUID_FILE,
    PC_CHK_SETGID_FILE,
    PC_CHK_FILE_CAPABILITY,
    PC_CHK_SUSPICIOUS_TOOL,
    PC_CHK_DEVICE_FILE,
    PC_CHK_PRIVILEGED_PORT,
    PC_CHK_SECRET_IN_ENV,
    PC_CHK_WORLD_WRITABLE,
    PC_CHK_UNPINNED_IMAGE,
    PC_CHK_SCAN_ERROR,
    PC_CHK_COUNT
} pc_check_id;

/* "root-user", ... */
const char *pc_check_id_name(pc_check_id id);
/* -1 when the name is not a check id. */
int pc_check_id_parse(const char *name);
/* One-line description for reports (SARIF rule text). */
const char *pc_check_id_help(pc_check_id id);

#endif

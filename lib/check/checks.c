/*
 * checks.c — the registry of checks: the one list the scanner runs.
 */
#include "check/check.h"

extern const pc_check pc_check_root_user, pc_check_missing_entrypoint, pc_check_setid,
    pc_check_file_capability, pc_check_device_file, pc_check_world_writable,
    pc_check_privileged_port, pc_check_secret_in_env;
extern const pc_check pc_check_entrypoint_unrunnable, pc_check_workdir_inaccessible;
extern const pc_check pc_check_suspicious_tool;

/* entrypoint-unrunnable comes after root-user: the sandbox user it judges
 * replaces the image's own user in the report. */
const pc_check *const pc_checks[] = {
    &pc_check_root_user,
    &pc_check_missing_entrypoint,
    &pc_check_setid,
    &pc_check_file_capability,
    &pc_check_device_file,
    &pc_check_world_writable,
    &pc_check_privileged_port,
    &pc_check_secret_in_env,
    &pc_check_suspicious_tool,
    &pc_check_entrypoint_unrunnable,
    &pc_check_workdir_inaccessible,
    NULL,
};

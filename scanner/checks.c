/*
 * checks.c — the registry of checks: the one list the scanner runs.
 */
#include "check.h"

extern const pc_check pc_check_root_user, pc_check_missing_entrypoint, pc_check_setid,
    pc_check_file_capability, pc_check_device_file, pc_check_world_writable,
    pc_check_privileged_port, pc_check_secret_in_env;

const pc_check *const pc_checks[] = {
    &pc_check_root_user,       &pc_check_missing_entrypoint, &pc_check_setid,
    &pc_check_file_capability, &pc_check_device_file,        &pc_check_world_writable,
    &pc_check_privileged_port, &pc_check_secret_in_env,      NULL,
};

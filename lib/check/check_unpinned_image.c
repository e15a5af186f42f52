/*
 * check_unpinned_image.c — unpinned-image: the image reference has no
 * @sha256 digest. Not a check of the image's contents: the webhook judges
 * the reference (webhook/k8s/decide.c, at the policy's action for this
 * id), so the row has no callbacks; it is here so that policies may name
 * the id and reports describe it.
 */
#include "check/check.h"

const pc_check pc_check_unpinned_image = {
    .id = "unpinned-image",
    .help = "The image reference has no @sha256 digest",
    .report_order = 900,
    .ceiling = PC_ACTION_DENY,
};

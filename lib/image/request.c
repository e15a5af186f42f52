/*
 * request.c — the limits a resolution works within (request.h).
 */
#include "image/request.h"

const pc_limits *pc_source_limits(const pc_source_cfg *cfg, pc_limits *storage)
{
    if (cfg && cfg->limits)
        return cfg->limits;
    pc_limits_default(storage);
    return storage;
}

size_t pc_limit_size(uint64_t v)
{
    return v >= (uint64_t)(SIZE_MAX - 1) ? SIZE_MAX - 1 : (size_t)v;
}

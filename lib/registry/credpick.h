/*
 * credpick.h — which credentials a registry host gets: the --creds or
 * --registry-token of the run (bound to the first registry they are used
 * for, so a run naming images of two registries never hands one
 * registry's secret to the other), else the authfile's (authfile.h).
 * Called where the secrets live: the registry process (fetch.h), or the
 * scanning process when it has none.
 */
#ifndef PC_CREDPICK_H
#define PC_CREDPICK_H

#include <stddef.h>
#include "registry/authfile.h"
#include "pcx.h"

/* creds "USER:PASSWORD" or token (at most one), or neither; bound: the
 * host they went to first ("" before; filled on first use), boundlen its
 * size. 0 set, 1 none (anonymous), -1 refused. No message contains a
 * secret. */
int pc_creds_pick(const char *creds, const char *token, char *bound, size_t boundlen,
                  const char *authfile, const char *host, pc_creds *c, pc_err *e);

#endif

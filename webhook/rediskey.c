/*
 * rediskey.c — see rediskey.h: the client end of the Redis key process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rediskey.h"

struct wh_rediskey {
    pc_keyproc *kp;
};

int wh_rediskey_new(const char *file, wh_rediskey **out, char *err, size_t errlen)
{
    wh_rediskey *k = calloc(1, sizeof *k);
    *out = NULL;
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char why[512];
    if (wh_rediskey_proc_start(file, &k->kp, why, sizeof why) < 0) {
        snprintf(err, errlen, "--redis-key: %s", why);
        free(k);
        return -1;
    }
    *out = k;
    return 0;
}

void wh_rediskey_free(wh_rediskey *k)
{
    if (!k)
        return;
    pc_keyproc_stop(k->kp);
    free(k);
}

int wh_rediskey_mac(wh_rediskey *k, const unsigned char digest[32], unsigned char out[32],
                    char *err, size_t errlen)
{
    pc_ps_answer a;
    if (pc_keyproc_ask(k->kp, WH_REDISKEY_OP_MAC, digest, 32, &a, "the Redis key process refused",
                       err, errlen) < 0)
        return -1;
    if (a.dlen != 32) {
        snprintf(err, errlen, "the Redis key process answered %zu bytes, not a MAC", a.dlen);
        return -1;
    }
    memcpy(out, a.data, 32);
    return 0;
}

int wh_rediskey_alive(wh_rediskey *k, char *why, size_t whylen)
{
    return pc_keyproc_alive(k->kp, why, whylen);
}

long wh_rediskey_pid(const wh_rediskey *k)
{
    return (long)pc_keyproc_pid(k->kp);
}

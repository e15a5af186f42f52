/*
 * fuzz_authfile.c — libFuzzer target: a docker config.json as
 * --authfile / $REGISTRY_AUTH_FILE / ~/.docker/config.json
 * (lib/registry/authfile.c), looked up for a host picked by the first byte,
 * and base64 both ways. The binary is linked with
 * -Wl,--wrap=posix_spawnp, so a credHelpers / credsStore entry never
 * starts a program: the helper is "not found". Checked: credentials found
 * have a user and a secret; base64 decodes what it encoded.
 */
#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "authfile.h"
#include "fuzz.h"

int __wrap_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int __wrap_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    (void)pid, (void)file, (void)fa, (void)attr, (void)argv, (void)envp;
    return ENOENT;
}

static const char *const hosts[] = {
    "docker.io", "index.docker.io", "127.0.0.1:5000", "registry.example.com",
    "localhost", "[::1]:5000",      "ghcr.io",        ""};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *host = hosts[data[0] % (sizeof hosts / sizeof hosts[0])];
    char *json = fz_strndup(data + 1, size - 1);
    if (!json)
        return 0;
    pc_creds c;
    pc_err e;
    int rc = pc_authfile_lookup_json(json, size - 1, "fuzz.json", host, &c, &e);
    if (rc == 0)
        FZ_CHECK(c.username && c.secret, "credentials without user or secret");
    else
        FZ_CHECK(!c.username && !c.secret, "credentials left on rc %d", rc);
    pc_creds_free(&c);

    char *dec;
    size_t dl;
    if (pc_base64_decode(json, size - 1, &dec, &dl) == 0) {
        char *enc = pc_base64_encode(dec, dl), *back;
        size_t bl;
        FZ_CHECK(enc && pc_base64_decode(enc, strlen(enc), &back, &bl) == 0 && bl == dl &&
                     memcmp(back, dec, dl) == 0,
                 "base64 does not round-trip");
        free(back);
        free(enc);
        free(dec);
    }
    free(json);
    return 0;
}

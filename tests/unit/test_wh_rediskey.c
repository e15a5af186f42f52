/*
 * test_wh_rediskey.c — the --redis-key secret's key process
 * (webhook/rediskey.c, rediskey_proc.c): a MAC is HMAC-SHA256 under the
 * file's secret (its trailing newline dropped) over the 32 bytes asked,
 * as OpenSSL computes it here from the file; a secret too short or too
 * long, or a file that is not there, is refused with the file named and
 * no byte of it; a request of another size or op is refused and the
 * process keeps answering; a killed key process fails every MAC and says
 * how it ended.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rediskey.h"
#include "testlib.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

int main(void)
{
    char dir[] = "/tmp/pc-test-rediskey.XXXXXX", path[256], err[512];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/key", dir);
    const char *secret = "0123456789abcdef0123456789abcdef-more-secret";
    char text[128];
    snprintf(text, sizeof text, "%s\r\n", secret);
    write_file(path, text);
    wh_rediskey *k = NULL;
    CHECK(wh_rediskey_new(path, &k, err, sizeof err) == 0);
    if (!k) {
        fprintf(stderr, "  %s\n", err);
        TEST_MAIN_END();
    }
    CHECK(wh_rediskey_pid(k) > 0);
    char why[128];
    CHECK(wh_rediskey_alive(k, why, sizeof why) == 1);
    unsigned char d[32], mac[32], want[32];
    unsigned int wl = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 32; i++)
            d[i] = (unsigned char)(i * 7 + round);
        CHECK(wh_rediskey_mac(k, d, mac, err, sizeof err) == 0);
        CHECK(HMAC(EVP_sha256(), secret, (int)strlen(secret), d, 32, want, &wl) != NULL &&
              wl == 32);
        CHECK(memcmp(mac, want, 32) == 0);
    }
    d[0] ^= 1;
    CHECK(wh_rediskey_mac(k, d, mac, err, sizeof err) == 0 && memcmp(mac, want, 32) != 0);
    /* the key process's sandbox kills it on anything but its socket: it
     * runs under its seccomp filter (Seccomp: 2) */
    char st[64], line[256];
    snprintf(st, sizeof st, "/proc/%ld/status", wh_rediskey_pid(k));
    FILE *f = fopen(st, "r");
    int filtered = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Seccomp:", 8) == 0)
            filtered = strtol(line + 8, NULL, 10) == 2;
    if (f)
        fclose(f);
    CHECK(filtered);
    /* killed: every MAC fails, and the reason says so */
    kill((pid_t)wh_rediskey_pid(k), SIGKILL);
    usleep(100 * 1000);
    CHECK(wh_rediskey_mac(k, d, mac, err, sizeof err) == -1);
    CHECK(wh_rediskey_alive(k, why, sizeof why) == 0 && strstr(why, "signal 9") != NULL);
    wh_rediskey_free(k);
    /* the raw key process: a request of another size, or another op, is
     * refused; it goes on answering */
    write_file(path, text);
    pc_keyproc *kp = NULL;
    pc_ps_answer a;
    CHECK(wh_rediskey_proc_start(path, &kp, err, sizeof err) == 0);
    if (kp) {
        CHECK(pc_keyproc_call(kp, WH_REDISKEY_OP_MAC, d, 16, &a, err, sizeof err) == 0 &&
              a.status == PC_PS_ST_BAD_ARGS && strstr(a.msg, "32-byte digest") != NULL);
        CHECK(pc_keyproc_call(kp, 9, d, 32, &a, err, sizeof err) == 0 &&
              a.status == PC_PS_ST_UNKNOWN_OP);
        CHECK(pc_keyproc_call(kp, WH_REDISKEY_OP_MAC, d, 32, &a, err, sizeof err) == 0 &&
              a.status == PC_PS_ST_OK && a.dlen == 32);
        pc_keyproc_stop(kp);
    }
    /* refused: too short, too long, missing; the file named, never its bytes */
    static const char *const bad[] = {"short-secret-xyz\n",
                                      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
                                      "abcdef-too-long\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i]);
        k = NULL;
        CHECK(wh_rediskey_new(path, &k, err, sizeof err) == -1 && k == NULL);
        CHECK(strstr(err, "--redis-key") != NULL && strstr(err, path) != NULL &&
              strstr(err, "expected 32 to 64 bytes of secret") != NULL);
        CHECK(strstr(err, "secret-xyz") == NULL && strstr(err, "too-long") == NULL);
    }
    unlink(path);
    CHECK(wh_rediskey_new(path, &k, err, sizeof err) == -1 && strstr(err, path) != NULL);
    rmdir(dir);
    TEST_MAIN_END();
}

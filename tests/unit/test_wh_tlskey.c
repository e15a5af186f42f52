/*
 * test_wh_tlskey.c — the TLS key process (webhook/http/tlskey.c,
 * tlskey_proc.c) reads the serving certificate too: a chain larger than
 * one reply comes back byte for byte; a file replaced between loads (in
 * place, or by swapping a Secret's "..data" symlink) is read anew at the
 * next fetch; a missing file, a FIFO or a file over 1 MiB is refused with
 * the file named; chunks after the first come from the snapshot taken at
 * offset 0, never the file, and an offset at or past its end or without a
 * snapshot is refused, the process going on answering under its seccomp
 * filter; a key is still loaded against the certificate and signs; a
 * killed key process fails every fetch.
 */
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tlskey.h"
#include "testlib.h"

/* The bytes of path, malloc'd (NUL after them), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    *len = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *nb = realloc(buf, cap = n + 65536);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "  command failed (%d): %s\n", rc, cmd);
    return rc;
}

/* 1 when wh_tlskey_cert gives exactly the bytes of path. */
static int fetch_equals(wh_tlskey *k, const char *path)
{
    char *pem = NULL, *want, err[512] = "";
    size_t len = 0, wlen = 0;
    int same = 0;
    want = slurp(path, &wlen);
    if (wh_tlskey_cert(k, &pem, &len, err, sizeof err) < 0)
        fprintf(stderr, "  wh_tlskey_cert: %s\n", err);
    else
        same = want && len == wlen && memcmp(pem, want, len) == 0 && pem[len] == 0;
    free(pem);
    free(want);
    return same;
}

static int sealed(long pid)
{
    char st[64], line[256];
    int filtered = 0;
    snprintf(st, sizeof st, "/proc/%ld/status", pid);
    FILE *f = fopen(st, "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Seccomp:", 8) == 0)
            filtered = strtol(line + 8, NULL, 10) == 2;
    if (f)
        fclose(f);
    return filtered;
}

/* One WH_TLSKEY_OP_CERT on the raw key process, body: the u32 offset. */
static int ask_cert(pc_keyproc *kp, uint32_t off, pc_ps_answer *a)
{
    unsigned char body[4];
    char err[512];
    pc_ps_put32(body, off);
    return pc_keyproc_call(kp, WH_TLSKEY_OP_CERT, body, sizeof body, a, err, sizeof err);
}

int main(void)
{
    char dir[] = "/tmp/pc-test-tlskey.XXXXXX", cmd[2048], err[512], why[256];
    char key[300], leaf[300], chain[300], other[300], big[300], fifo[300], link[300];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(key, sizeof key, "%s/tls.key", dir);
    snprintf(leaf, sizeof leaf, "%s/leaf.crt", dir);
    snprintf(chain, sizeof chain, "%s/tls.crt", dir);
    snprintf(other, sizeof other, "%s/other.crt", dir);
    snprintf(big, sizeof big, "%s/big.crt", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo.crt", dir);
    /* the serving key and its certificate, then seven certificates of
     * other keys after it: a chain of three replies' worth */
    snprintf(cmd, sizeof cmd,
             "cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out leaf.crt "
             "-days 2 -subj /CN=tlskey-leaf -addext subjectAltName=DNS:localhost 2>/dev/null && "
             "cp leaf.crt tls.crt && for i in 1 2 3 4 5 6 7; do openssl req -x509 -newkey "
             "rsa:2048 -nodes -keyout f$i.key -out f$i.crt -days 2 -subj /CN=tlskey-filler-$i "
             "2>/dev/null && cat f$i.crt >>tls.crt || exit 1; done && cp f1.crt other.crt",
             dir);
    CHECK(run(cmd) == 0);
    size_t chain_len = 0;
    char *chain_pem = slurp(chain, &chain_len);
    CHECK(chain_pem != NULL && chain_len > 2 * WH_TLSKEY_CERT_CHUNK);
    free(chain_pem);

    wh_tlskey *k = NULL;
    CHECK(wh_tlskey_start(chain, key, &k, err, sizeof err) == 0);
    if (!k) {
        fprintf(stderr, "  %s\n", err);
        TEST_MAIN_END();
    }
    CHECK(sealed(wh_tlskey_pid(k)));
    /* (a) the whole chain, byte for byte, twice */
    CHECK(fetch_equals(k, chain));
    CHECK(fetch_equals(k, chain));

    /* (b) the key loads against the certificate fetched and signs; a
     * certificate of another key is refused */
    char *pem = NULL;
    size_t len = 0;
    CHECK(wh_tlskey_cert(k, &pem, &len, err, sizeof err) == 0);
    gnutls_pcert_st pc[8];
    unsigned npc = 8;
    gnutls_datum_t cd = {(unsigned char *)pem, (unsigned)len};
    int rc = pem ? gnutls_pcert_list_import_x509_raw(pc, &npc, &cd, GNUTLS_X509_FMT_PEM, 0) : -1;
    CHECK(rc == 0 && npc == 8);
    if (rc == 0 && npc == 8) {
        gnutls_privkey_t priv = NULL;
        CHECK(wh_tlskey_load(k, pc[0].pubkey, &priv, err, sizeof err) == 0);
        if (priv) {
            gnutls_datum_t msg = {(unsigned char *)"to be signed", 12}, sig = {0};
            CHECK(gnutls_privkey_sign_data2(priv, GNUTLS_SIGN_RSA_SHA256, 0, &msg, &sig) == 0);
            CHECK(gnutls_pubkey_verify_data2(pc[0].pubkey, GNUTLS_SIGN_RSA_SHA256, 0, &msg, &sig) >=
                  0);
            CHECK(gnutls_pubkey_verify_data2(pc[1].pubkey, GNUTLS_SIGN_RSA_SHA256, 0, &msg, &sig) <
                  0);
            gnutls_free(sig.data);
            gnutls_privkey_deinit(priv);
        }
        gnutls_privkey_t wrong = NULL;
        CHECK(wh_tlskey_load(k, pc[1].pubkey, &wrong, err, sizeof err) == -1 && wrong == NULL);
        CHECK_CONTAINS(err, "does not belong to the certificate");
        for (unsigned i = 0; i < npc; i++)
            gnutls_pcert_deinit(&pc[i]);
    }
    free(pem);

    /* (c) replaced between loads: in place, then by a Secret's ..data
     * symlink swap; the next fetch has the new bytes */
    snprintf(cmd, sizeof cmd, "cp %s %s", leaf, chain);
    CHECK(run(cmd) == 0);
    CHECK(fetch_equals(k, leaf));
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir v1 v2 && cp tls.crt v1/tls.crt && cat f2.crt f3.crt f4.crt f5.crt "
             "leaf.crt >v2/tls.crt && ln -s v1 ..data && ln -sf ..data/tls.crt tls.crt",
             dir);
    CHECK(run(cmd) == 0);
    CHECK(fetch_equals(k, leaf));
    snprintf(cmd, sizeof cmd, "cd %s && ln -s v2 ..data_tmp && mv -T ..data_tmp ..data", dir);
    CHECK(run(cmd) == 0);
    snprintf(link, sizeof link, "%s/v2/tls.crt", dir);
    CHECK(fetch_equals(k, link));
    CHECK(fetch_equals(k, chain));

    /* (d) refused, the file named: missing, not a regular file, too large;
     * then a good fetch again */
    unlink(chain);
    pem = (char *)1;
    CHECK(wh_tlskey_cert(k, &pem, &len, err, sizeof err) == -1 && pem == NULL && len == 0);
    CHECK_CONTAINS(err, chain);
    CHECK_CONTAINS(err, "No such file or directory");
    CHECK(mkfifo(fifo, 0600) == 0);
    wh_tlskey *kf = NULL;
    CHECK(wh_tlskey_start(fifo, key, &kf, err, sizeof err) == 0);
    if (kf) {
        CHECK(wh_tlskey_cert(kf, &pem, &len, err, sizeof err) == -1 && pem == NULL);
        CHECK_CONTAINS(err, fifo);
        CHECK_CONTAINS(err, "not a regular file");
        wh_tlskey_stop(kf);
    }
    snprintf(cmd, sizeof cmd,
             "cd %s && cp leaf.crt big.crt && head -c 1048576 /dev/zero | tr '\\0' 'A' >>big.crt",
             dir);
    CHECK(run(cmd) == 0);
    wh_tlskey *kb = NULL;
    CHECK(wh_tlskey_start(big, key, &kb, err, sizeof err) == 0);
    if (kb) {
        CHECK(wh_tlskey_cert(kb, &pem, &len, err, sizeof err) == -1 && pem == NULL);
        CHECK_CONTAINS(err, big);
        CHECK_CONTAINS(err, "larger than 1048576 bytes");
        /* exactly the limit is served whole */
        CHECK(truncate(big, WH_TLSKEY_CERT_MAX) == 0);
        CHECK(fetch_equals(kb, big));
        CHECK(wh_tlskey_alive(kb, why, sizeof why) == 1);
        wh_tlskey_stop(kb);
    }
    snprintf(cmd, sizeof cmd, "cd %s && cp leaf.crt tls.crt", dir);
    CHECK(run(cmd) == 0);
    CHECK(fetch_equals(k, chain));
    CHECK(wh_tlskey_alive(k, why, sizeof why) == 1);

    /* a certificate path that does not fit is refused at the start */
    char longpath[PATH_MAX + 16];
    memset(longpath, 'x', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = 0;
    wh_tlskey *kl = NULL;
    CHECK(wh_tlskey_start(longpath, key, &kl, err, sizeof err) == -1 && kl == NULL);
    CHECK_CONTAINS(err, "path too long");

    /* (e) killed: every fetch fails, and the reason says so */
    kill((pid_t)wh_tlskey_pid(k), SIGKILL);
    usleep(100 * 1000);
    CHECK(wh_tlskey_cert(k, &pem, &len, err, sizeof err) == -1 && pem == NULL);
    CHECK(wh_tlskey_alive(k, why, sizeof why) == 0 && strstr(why, "signal 9") != NULL);
    wh_tlskey_stop(k);

    /* (f) the raw key process: chunks, the snapshot, refused offsets */
    snprintf(cmd, sizeof cmd, "cd %s && cat leaf.crt f1.crt f2.crt f3.crt f4.crt >tls.crt", dir);
    CHECK(run(cmd) == 0);
    size_t want_len = 0;
    char *want = slurp(chain, &want_len);
    CHECK(want != NULL && want_len > WH_TLSKEY_CERT_CHUNK && want_len < 2 * WH_TLSKEY_CERT_CHUNK);
    pc_keyproc *kp = NULL;
    pc_ps_answer a;
    CHECK(wh_tlskey_proc_start(chain, key, &kp, err, sizeof err) == 0);
    if (kp && want) {
        const uint32_t chunk = WH_TLSKEY_CERT_CHUNK;
        /* no snapshot yet */
        CHECK(ask_cert(kp, chunk, &a) == 0 && a.status == PC_PS_ST_BAD_ARGS);
        CHECK_CONTAINS(a.msg, "offset 0 first");
        CHECK(ask_cert(kp, 0, &a) == 0 && a.status == PC_PS_ST_OK);
        CHECK(a.dlen == PC_PS_DATA_MAX && pc_ps_get32(a.data) == want_len &&
              memcmp(a.data + 4, want, chunk) == 0);
        /* the file changes: the rest still comes from the snapshot */
        snprintf(cmd, sizeof cmd, "cd %s && cp other.crt tls.crt", dir);
        CHECK(run(cmd) == 0);
        CHECK(ask_cert(kp, chunk, &a) == 0 && a.status == PC_PS_ST_OK);
        CHECK(a.dlen == 4 + want_len - chunk && pc_ps_get32(a.data) == want_len &&
              memcmp(a.data + 4, want + chunk, want_len - chunk) == 0);
        CHECK(ask_cert(kp, 1, &a) == 0 && a.status == PC_PS_ST_OK && a.dlen == 4 + (size_t)chunk &&
              memcmp(a.data + 4, want + 1, chunk) == 0);
        CHECK(ask_cert(kp, (uint32_t)want_len - 1, &a) == 0 && a.status == PC_PS_ST_OK &&
              a.dlen == 5 && a.data[4] == (unsigned char)want[want_len - 1]);
        /* at or past the end */
        CHECK(ask_cert(kp, (uint32_t)want_len, &a) == 0 && a.status == PC_PS_ST_BAD_ARGS);
        CHECK_CONTAINS(a.msg, "past the certificate");
        CHECK(ask_cert(kp, (uint32_t)want_len + 1, &a) == 0 && a.status == PC_PS_ST_BAD_ARGS);
        CHECK(ask_cert(kp, 0xffffffffu, &a) == 0 && a.status == PC_PS_ST_BAD_ARGS);
        /* a body of another size */
        unsigned char body[8] = {0};
        CHECK(pc_keyproc_call(kp, WH_TLSKEY_OP_CERT, body, 3, &a, err, sizeof err) == 0 &&
              a.status == PC_PS_ST_BAD_ARGS);
        CHECK(pc_keyproc_call(kp, WH_TLSKEY_OP_CERT, body, 8, &a, err, sizeof err) == 0 &&
              a.status == PC_PS_ST_BAD_ARGS);
        CHECK(pc_keyproc_call(kp, WH_TLSKEY_OP_CERT, NULL, 0, &a, err, sizeof err) == 0 &&
              a.status == PC_PS_ST_BAD_ARGS);
        CHECK(pc_keyproc_call(kp, 9, body, 4, &a, err, sizeof err) == 0 &&
              a.status == PC_PS_ST_UNKNOWN_OP);
        /* offset 0 reads the file anew: the new, single-reply certificate */
        size_t olen = 0;
        char *obytes = slurp(other, &olen);
        CHECK(ask_cert(kp, 0, &a) == 0 && a.status == PC_PS_ST_OK && obytes && a.dlen == 4 + olen &&
              pc_ps_get32(a.data) == olen && memcmp(a.data + 4, obytes, olen) == 0);
        free(obytes);
        /* a failed read leaves no snapshot behind */
        unlink(chain);
        CHECK(ask_cert(kp, 0, &a) == 0 && a.status == PC_PS_ST_FAILED);
        CHECK_CONTAINS(a.msg, chain);
        CHECK(ask_cert(kp, 1, &a) == 0 && a.status == PC_PS_ST_BAD_ARGS);
        /* an empty file: total 0, no bytes */
        snprintf(cmd, sizeof cmd, ": >%s", chain);
        CHECK(run(cmd) == 0);
        CHECK(ask_cert(kp, 0, &a) == 0 && a.status == PC_PS_ST_OK && a.dlen == 4 &&
              pc_ps_get32(a.data) == 0);
        CHECK(ask_cert(kp, 1, &a) == 0 && a.status == PC_PS_ST_BAD_ARGS);
        CHECK(pc_keyproc_alive(kp, why, sizeof why) == 1 && sealed((long)pc_keyproc_pid(kp)));
    }
    if (kp)
        pc_keyproc_stop(kp);
    free(want);

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(run(cmd) == 0);
    TEST_MAIN_END();
}

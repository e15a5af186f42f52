/*
 * certdir.c — building the TLS trust for a registry from a certs.d
 * directory. libcurl takes one CA bundle, and CURLOPT_CAINFO_BLOB
 * replaces rather than extends the default one. The system's roots are
 * kept beside the directory's *.crt files in one of two ways:
 *  - libcurl's CA directory (CURLINFO_CAPATH, /etc/ssl/certs on Debian),
 *    when it has one and is built on OpenSSL: the blob holds the
 *    directory's files only, and OpenSSL looks a system root up in the CA
 *    directory (by subject hash) when a chain needs one. Parsing the
 *    whole system bundle instead cost about 40 ms of CPU per process, most
 *    of a warm scan's registry work;
 *  - else the blob is the system bundle (the path libcurl reports, else
 *    the usual Debian/Fedora places) followed by those files.
 * Each file and the whole blob are size-capped. The directory is the
 * user's own configuration, so symlinks in it are followed.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "registry/certdir.h"
#include "pcx.h"

#define CERT_FILE_MAX (1u << 20)
#define CA_TOTAL_MAX (32u << 20)

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && strcmp(s + n - k, suf) == 0;
}

/* The CA bundle libcurl would use by itself, so extra CAs add to it. */
static void system_cas(pc_buf *b)
{
    const char *paths[] = {NULL, "/etc/ssl/certs/ca-certificates.crt",
                           "/etc/pki/tls/certs/ca-bundle.crt"};
    CURL *c = curl_easy_init();
    char *data;
    size_t len;
    if (c)
        curl_easy_getinfo(c, CURLINFO_CAINFO, &paths[0]);
    for (size_t i = 0; i < 3; i++) {
        if (paths[i] && pc_read_file(paths[i], CA_TOTAL_MAX, &data, &len, NULL) == 0) {
            pc_buf_add(b, data, len);
            pc_buf_puts(b, "\n");
            free(data);
            break;
        }
    }
    if (c)
        curl_easy_cleanup(c);
}

/* 1 when dir holds at least one OpenSSL hash link (8 hex digits, ".",
 * a digit: what c_rehash and update-ca-certificates make): a directory
 * without them would find no root at all. */
static int has_hash_links(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int found = 0;
    while (d && !found && (de = readdir(d))) {
        const char *n = de->d_name;
        found = strlen(n) == 10 && strspn(n, "0123456789abcdef") == 8 && n[8] == '.' &&
                n[9] >= '0' && n[9] <= '9';
    }
    if (d)
        closedir(d);
    return found;
}

/* libcurl's CA directory when the system's roots can be found there:
 * OpenSSL is libcurl's TLS library (it reads a hashed directory) and the
 * directory holds hash links. malloc'd; NULL: use the bundle (system_cas). */
static char *system_capath(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    CURL *c;
    char *p = NULL, *out = NULL;
    struct stat st;
    if (!v || !v->ssl_version || strncmp(v->ssl_version, "OpenSSL/", 8) != 0 ||
        !(c = curl_easy_init()))
        return NULL;
    if (curl_easy_getinfo(c, CURLINFO_CAPATH, &p) == CURLE_OK && p && *p && stat(p, &st) == 0 &&
        S_ISDIR(st.st_mode) && has_hash_links(p))
        out = pc_strdup(p);
    curl_easy_cleanup(c);
    return out;
}

static int add_ca_file(pc_buf *b, const char *path, pc_err *e)
{
    char *data;
    size_t len;
    if (pc_read_file(path, CERT_FILE_MAX, &data, &len, e) < 0)
        return pc_err_prefix(e, "--cert-dir");
    if (len > CA_TOTAL_MAX - b->len)
        len = 0; /* absurd total: ignore the rest rather than grow without bound */
    pc_buf_add(b, data, len);
    pc_buf_puts(b, "\n");
    free(data);
    return 0;
}

/* A client.cert needs its client.key and the other way round. */
static int client_pair(pc_tls_trust *h, const char *dir, const char *name, pc_err *e)
{
    int is_cert = has_suffix(name, ".cert");
    size_t stem = strlen(name) - (is_cert ? 5 : 4);
    char *cert = pc_asprintf("%s/%.*s.cert", dir, (int)stem, name);
    char *key = pc_asprintf("%s/%.*s.key", dir, (int)stem, name);
    int rc = 0;
    if (!cert || !key)
        rc = pc_err_set(e, "out of memory");
    else if (access(is_cert ? key : cert, R_OK) != 0)
        rc = pc_err_set(e, "--cert-dir %s: %s has no matching %s", dir, name,
                        is_cert ? ".key" : ".cert");
    else if (is_cert && !h->client_cert) {
        h->client_cert = cert;
        h->client_key = key;
        cert = key = NULL;
    }
    free(cert);
    free(key);
    return rc;
}

static int load_cert_dir(pc_tls_trust *h, const char *dir, int must_exist, pc_err *e)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
            return 0;
        return pc_err_set(e, "--cert-dir %s: %s", dir, strerror(errno));
    }
    pc_buf cas = {0};
    struct dirent *de;
    int rc = 0, nca = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (has_suffix(de->d_name, ".crt")) {
            if (nca++ == 0 && !(h->ca_path = system_capath()))
                system_cas(&cas);
            char *p = pc_asprintf("%s/%s", dir, de->d_name);
            rc = p ? add_ca_file(&cas, p, e) : pc_err_set(e, "out of memory");
            free(p);
        } else if (has_suffix(de->d_name, ".cert") || has_suffix(de->d_name, ".key")) {
            rc = client_pair(h, dir, de->d_name, e);
        }
    }
    closedir(d);
    if (rc == 0 && cas.oom)
        rc = pc_err_set(e, "out of memory");
    if (rc == 0 && nca) {
        h->ca_blob = cas.p;
        h->ca_len = cas.len;
    } else {
        pc_buf_free(&cas);
        free(h->ca_path);
        h->ca_path = NULL;
    }
    return rc;
}

/* No --cert-dir: the per-host directories skopeo and docker look in. */
static int default_cert_dir(pc_tls_trust *h, const char *host, pc_err *e)
{
    const char *roots[] = {"/etc/containers/certs.d", "/etc/docker/certs.d"};
    char path[600];
    if (!host || !*host || strchr(host, '/') || host[0] == '.')
        return 0;
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", roots[i], host);
        if (access(path, F_OK) == 0)
            return load_cert_dir(h, path, 0, e);
    }
    return 0;
}

int pc_certdir_load(const char *cert_dir, const char *host, pc_tls_trust *t, pc_err *e)
{
    memset(t, 0, sizeof *t);
    int rc = cert_dir ? load_cert_dir(t, cert_dir, 1, e) : default_cert_dir(t, host, e);
    if (rc < 0)
        pc_tls_trust_free(t);
    return rc;
}

void pc_tls_trust_free(pc_tls_trust *t)
{
    free(t->ca_blob);
    free(t->ca_path);
    free(t->client_cert);
    free(t->client_key);
    memset(t, 0, sizeof *t);
}

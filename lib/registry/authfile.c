/*
 * authfile.c — finding a registry's credentials, the way docker and skopeo
 * do, without ever putting a secret into a message.
 *
 * Order of lookup for a host: credHelpers[host] (a helper program), then
 * an auths entry whose key names the host (keys may be "host",
 * "https://host/v1/" and the like: scheme and path are dropped; docker.io
 * also matches index.docker.io and registry-1.docker.io, which is where
 * `docker login` stores it as https://index.docker.io/v1/), then
 * credsStore (the default helper). A helper is run as
 * `docker-credential-NAME get` with the server URL on stdin; it answers
 * {"ServerURL", "Username", "Secret"} on stdout, or exits non-zero saying
 * "credentials not found". Its stdin is a socket, so a helper that exits
 * early cannot kill us with SIGPIPE; its output is capped and it gets a
 * fixed time to answer before it is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "registry/authfile.h"
#include "pcx.h"

extern char **environ;

#define AUTHFILE_MAX (4u << 20)
#define HELPER_OUT_MAX 65536
#define HELPER_TIMEOUT_MS 30000

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void pc_creds_free(pc_creds *c)
{
    if (!c)
        return;
    wipe_free(c->username);
    wipe_free(c->secret);
    memset(c, 0, sizeof *c);
}

static int creds_set(pc_creds *c, const char *user, size_t ulen, const char *secret, pc_err *e)
{
    c->username = pc_strndup(user, ulen);
    c->secret = pc_strdup(secret);
    if (!c->username || !c->secret) {
        pc_creds_free(c);
        return pc_err_set(e, "out of memory");
    }
    c->identity_token = strcmp(c->username, "<token>") == 0;
    return 0;
}

static int is_docker_io(const char *h, size_t n)
{
    static const char *const names[] = {"docker.io", "index.docker.io", "registry-1.docker.io"};
    for (size_t i = 0; i < 3; i++)
        if (strlen(names[i]) == n && strncmp(h, names[i], n) == 0)
            return 1;
    return 0;
}

/* Does an auths/credHelpers key name host? "https://h/v1/" names h. */
static int key_matches(const char *key, const char *host)
{
    if (strncmp(key, "https://", 8) == 0)
        key += 8;
    else if (strncmp(key, "http://", 7) == 0)
        key += 7;
    size_t n = strcspn(key, "/");
    if (strlen(host) == n && strncmp(key, host, n) == 0)
        return 1;
    return strcmp(host, "docker.io") == 0 && is_docker_io(key, n);
}

/* The object member for host: an exact key first, then any that matches. */
static json_t *find_host(json_t *obj, const char *host)
{
    const char *key;
    json_t *v;
    if (!json_is_object(obj))
        return NULL;
    if ((v = json_object_get(obj, host)))
        return v;
    json_object_foreach(obj, key, v)
    {
        if (key_matches(key, host))
            return v;
    }
    return NULL;
}

/* What a helper is asked for: docker.io is stored under its v1 URL. */
static const char *server_url(const char *host)
{
    return strcmp(host, "docker.io") == 0 ? "https://index.docker.io/v1/" : host;
}

static int entry_auth(const char *b64, const char *shown, const char *host, pc_creds *c, pc_err *e)
{
    char *dec;
    size_t n;
    if (pc_base64_decode(b64, strlen(b64), &dec, &n) < 0)
        return pc_err_set(e, "%s: auths entry for %s: \"auth\" is not valid base64", shown, host);
    char *colon = memchr(dec, ':', n);
    int rc;
    if (!colon || strlen(dec) != n)
        rc = pc_err_set(e, "%s: auths entry for %s: \"auth\" is not base64 of user:password", shown,
                        host);
    else
        rc = creds_set(c, dec, (size_t)(colon - dec), colon + 1, e);
    explicit_bzero(dec, n);
    free(dec);
    return rc;
}

/* 0 found, 1 nothing usable in the entry, -1 error. */
static int entry_creds(json_t *ent, const char *shown, const char *host, pc_creds *c, pc_err *e)
{
    if (!json_is_object(ent))
        return pc_err_set(e, "%s: auths entry for %s: must be an object", shown, host);
    json_t *auth = json_object_get(ent, "auth"), *user = json_object_get(ent, "username");
    json_t *pass = json_object_get(ent, "password"), *tok = json_object_get(ent, "identitytoken");
    if ((auth && !json_is_string(auth)) || (user && !json_is_string(user)) ||
        (pass && !json_is_string(pass)) || (tok && !json_is_string(tok)))
        return pc_err_set(e, "%s: auths entry for %s: fields must be strings", shown, host);
    const char *u = user ? json_string_value(user) : "";
    if (tok && *json_string_value(tok)) {
        if (creds_set(c, *u ? u : "<token>", strlen(*u ? u : "<token>"), json_string_value(tok),
                      e) < 0)
            return -1;
        c->identity_token = 1;
        return 0;
    }
    if (auth && *json_string_value(auth))
        return entry_auth(json_string_value(auth), shown, host, c, e);
    if (*u && pass)
        return creds_set(c, u, strlen(u), json_string_value(pass), e);
    return 1;
}

static int helper_named(json_t *v, const char *what, const char *shown, const char *host,
                        pc_creds *c, pc_err *e)
{
    if (!json_is_string(v))
        return pc_err_set(e, "%s: %s must be a string", shown, what);
    if (!*json_string_value(v))
        return 1;
    return pc_credhelper_get(json_string_value(v), server_url(host), c, e);
}

int pc_authfile_lookup_json(const char *json, size_t len, const char *shown, const char *host,
                            pc_creds *c, pc_err *e)
{
    json_error_t jerr;
    memset(c, 0, sizeof *c);
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return pc_err_set(e, "%s: not a JSON object (line %d)", shown, root ? 1 : jerr.line);
    }
    int rc = 1;
    json_t *v = find_host(json_object_get(root, "credHelpers"), host);
    if (v)
        rc = helper_named(v, "credHelpers entry", shown, host, c, e);
    json_t *auths = json_object_get(root, "auths");
    if (rc == 1 && auths && !json_is_object(auths))
        rc = pc_err_set(e, "%s: auths must be an object", shown);
    if (rc == 1 && (v = find_host(auths, host)))
        rc = entry_creds(v, shown, host, c, e);
    if (rc == 1 && (v = json_object_get(root, "credsStore")))
        rc = helper_named(v, "credsStore", shown, host, c, e);
    json_decref(root);
    return rc;
}

/* The config file to read: 0 with *path (NULL: none to read), -1 error. */
static int authfile_path(const char *authfile, char **path, int *must_exist, pc_err *e)
{
    const char *env = getenv("REGISTRY_AUTH_FILE"), *home = getenv("HOME");
    *must_exist = 1;
    if (authfile)
        *path = pc_strdup(authfile);
    else if (env && *env)
        *path = pc_strdup(env);
    else if (home && *home) {
        *path = pc_asprintf("%s/.docker/config.json", home);
        *must_exist = 0;
    } else {
        *path = NULL;
        return 0;
    }
    return *path ? 0 : pc_err_set(e, "out of memory");
}

int pc_authfile_lookup(const char *authfile, const char *host, pc_creds *c, pc_err *e)
{
    char *path, *json;
    size_t len;
    int must;
    memset(c, 0, sizeof *c);
    if (authfile_path(authfile, &path, &must, e) < 0)
        return -1;
    if (!path)
        return 1;
    if (!must && access(path, F_OK) != 0) {
        free(path);
        return 1;
    }
    if (pc_read_file(path, AUTHFILE_MAX, &json, &len, e) < 0) {
        free(path);
        return pc_err_prefix(e, "authfile");
    }
    int rc = pc_authfile_lookup_json(json, len, path, host, c, e);
    explicit_bzero(json, len);
    free(json);
    free(path);
    return rc;
}

/* --- the credential helper protocol --- */

static int helper_name_ok(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n <= 64 &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* Start the helper with stdin/stdout on sockets, stderr on /dev/null. */
static int helper_spawn(const char *prog, pid_t *pid, int *in, int *out, pc_err *e)
{
    int si[2], so[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, si) < 0)
        return pc_err_set(e, "socketpair: %s", strerror(errno));
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, so) < 0) {
        close(si[0]);
        close(si[1]);
        return pc_err_set(e, "socketpair: %s", strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, si[1], 0);
    posix_spawn_file_actions_adddup2(&fa, so[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)prog, (char *)"get", NULL};
    int rc = posix_spawnp(pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(si[1]);
    close(so[1]);
    if (rc != 0) {
        close(si[0]);
        close(so[0]);
        return pc_err_set(e, "credential helper %s: %s", prog, strerror(rc));
    }
    *in = si[0];
    *out = so[0];
    return 0;
}

/* Read the helper's stdout (capped) within the time limit. */
static int helper_read(int fd, char *buf, size_t cap, size_t *len)
{
    uint64_t end = pc_now_ms() + HELPER_TIMEOUT_MS;
    *len = 0;
    for (;;) {
        uint64_t now = pc_now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = now < end ? poll(&p, 1, (int)(end - now)) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        ssize_t r = read(fd, buf + *len, cap - 1 - *len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        *len += (size_t)r;
        if (*len == cap - 1)
            return -1;
    }
    buf[*len] = 0;
    return 0;
}

static int helper_parse(const char *out, size_t len, const char *prog, pc_creds *c, pc_err *e)
{
    json_t *root = json_loadb(out, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *u = json_object_get(root, "Username"), *s = json_object_get(root, "Secret");
    int rc;
    if (!json_is_object(root) || !json_is_string(u) || !json_is_string(s))
        rc = pc_err_set(e, "credential helper %s: answer is not {\"Username\", \"Secret\"} JSON",
                        prog);
    else if (!*json_string_value(s))
        rc = 1;
    else
        rc = creds_set(c, json_string_value(u), strlen(json_string_value(u)), json_string_value(s),
                       e);
    json_decref(root);
    return rc;
}

static int helper_result(int status, int read_rc, const char *out, size_t len, const char *prog,
                         pc_creds *c, pc_err *e)
{
    char shown[160];
    if (read_rc < 0)
        return pc_err_set(e, "credential helper %s: no answer within %d s or answer too large",
                          prog, HELPER_TIMEOUT_MS / 1000);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return helper_parse(out, len, prog, c, e);
    if (strstr(out, "credentials not found"))
        return 1;
    /* a failing helper prints an error message; never echo JSON (it may hold a secret) */
    pc_safe_str(out[0] == '{' ? "" : out, shown, sizeof shown);
    shown[strcspn(shown, "\n")] = 0;
    return pc_err_set(
        e, "credential helper %s failed (%s %d)%s%s", prog, WIFEXITED(status) ? "exit" : "signal",
        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), *shown ? ": " : "", shown);
}

int pc_credhelper_get(const char *name, const char *server, pc_creds *c, pc_err *e)
{
    char prog[96], out[HELPER_OUT_MAX];
    size_t len = 0;
    pid_t pid;
    int in = -1, outfd = -1, status = 0;
    memset(c, 0, sizeof *c);
    if (!helper_name_ok(name))
        return pc_err_set(e, "credential helper name must be letters, digits, '.', '_' or '-'");
    snprintf(prog, sizeof prog, "docker-credential-%s", name);
    if (helper_spawn(prog, &pid, &in, &outfd, e) < 0)
        return -1;
    size_t sl = strlen(server), off = 0;
    while (off < sl) {
        ssize_t w = send(in, server + off, sl - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(in);
    int rrc = helper_read(outfd, out, sizeof out, &len);
    close(outfd);
    if (rrc < 0)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rrc < 0)
        out[0] = 0;
    int rc = helper_result(status, rrc, out, len, prog, c, e);
    explicit_bzero(out, sizeof out);
    return rc;
}

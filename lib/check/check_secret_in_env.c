/*
 * check_secret_in_env.c — secret-in-env: Env entries that look like credentials, by
 * name (PASSWORD, SECRET, TOKEN, API_KEY, ...) with a literal value, or by
 * a value shaped like a well-known key format. Only the variable's name is
 * ever reported: a scanner must not copy the secret into its logs.
 */
#include <ctype.h>
#include <string.h>
#include "check/check.h"

static const char *const name_words[] = {
    "PASSWORD",    "PASSWD",     "SECRET",   "TOKEN",         "API_KEY",     "APIKEY", "ACCESS_KEY",
    "PRIVATE_KEY", "CREDENTIAL", "AUTH_KEY", "CLIENT_SECRET", "SESSION_KEY", NULL,
};

/* Names that mention a secret but hold a location or switch, not the secret. */
static int benign_name(const char *name, size_t n)
{
    static const char *const suffixes[] = {"_FILE",   "_PATH",    "_DIR",    "_URL_PATH",
                                           "_LENGTH", "_ENABLED", "_HEADER", NULL};
    for (int i = 0; suffixes[i]; i++) {
        size_t k = strlen(suffixes[i]);
        if (n >= k && strncasecmp(name + n - k, suffixes[i], k) == 0)
            return 1;
    }
    return 0;
}

static int secret_name(const char *name, size_t n)
{
    char up[256];
    if (n >= sizeof up)
        n = sizeof up - 1;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)toupper((unsigned char)name[i]);
    up[n] = 0;
    for (int i = 0; name_words[i]; i++)
        if (strstr(up, name_words[i]))
            return !benign_name(name, n);
    return 0;
}

static int prefix_run(const char *v, const char *prefix, size_t minrun)
{
    size_t k = strlen(prefix), run = 0;
    if (strncmp(v, prefix, k) != 0)
        return 0;
    while (isalnum((unsigned char)v[k + run]) || v[k + run] == '_' || v[k + run] == '-')
        run++;
    return run >= minrun;
}

static const char *secret_value(const char *v)
{
    if (prefix_run(v, "AKIA", 16) || prefix_run(v, "ASIA", 16))
        return "an AWS access key id";
    if (prefix_run(v, "ghp_", 30) || prefix_run(v, "gho_", 30) || prefix_run(v, "ghs_", 30) ||
        prefix_run(v, "github_pat_", 30))
        return "a GitHub token";
    if (prefix_run(v, "glpat-", 20))
        return "a GitLab token";
    if (prefix_run(v, "xoxb-", 10) || prefix_run(v, "xoxp-", 10))
        return "a Slack token";
    if (prefix_run(v, "sk_live_", 16))
        return "a Stripe secret key";
    if (strstr(v, "-----BEGIN") && strstr(v, "PRIVATE KEY"))
        return "a private key";
    return NULL;
}

/* A literal value, not empty and not a reference to somewhere else. */
static int literal(const char *v)
{
    return *v && v[0] != '/' && v[0] != '$' && strncmp(v, "file:", 5) != 0;
}

static void env_config(pc_check_ctx *c)
{
    for (size_t i = 0; i < c->cfg->env.n; i++) {
        const char *kv = c->cfg->env.v[i], *eq = strchr(kv, '=');
        if (!eq)
            continue;
        size_t n = (size_t)(eq - kv);
        const char *why = secret_value(eq + 1);
        if (why)
            pc_check_report(c, NULL, NULL, NULL, "Env %.*s holds what looks like %s", (int)n, kv,
                            why);
        else if (secret_name(kv, n) && literal(eq + 1))
            pc_check_report(c, NULL, NULL, NULL,
                            "Env %.*s looks like a credential baked into the image", (int)n, kv);
    }
}

const pc_check pc_check_secret_in_env = {
    .id = "secret-in-env",
    .help = "An environment variable looks like a credential",
    .report_order = 110,
    .reads = PC_READS_CONFIG,
    .ceiling = PC_ACTION_DENY,
    .config = env_config,
};

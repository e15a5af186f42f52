/*
 * test_wh_codec.c — the verdicts and tag resolutions the replicas share
 * on Redis, as bytes (webhook/verdict_codec.c): a full result comes back
 * field for field; every truncation, every single flipped bit, a padded
 * value, another magic, another version and a tag value given as a
 * verdict (and the reverse) are refused whole; a value whose checksum was
 * recomputed over a bad field (an action out of range, a NUL inside a
 * string, a count past the bytes left) is refused too; a tag's digest
 * must be a sha256 digest.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "portcullis.h"
#include "testlib.h"
#include "verdict_codec.h"

#define D1 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D2 "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static char *sdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static pc_result *sample(void)
{
    pc_result *r = calloc(1, sizeof *r);
    r->image = sdup("registry.example/app:v1");
    r->digest = sdup(D1);
    r->manifest_digest = sdup(D2);
    r->config_digest = sdup(D2);
    r->platform = sdup("linux/amd64");
    r->policy = sdup("restricted");
    r->policy_digest = sdup(D1);
    r->rules_digest = NULL;
    r->exempt = sdup("app/*");
    r->denied = 1;
    r->would_deny = 1;
    snprintf(r->run_key, sizeof r->run_key, "%s", D2);
    r->stats = (pc_stats){3, 2, 1234, UINT64_C(5000000000), 42};
    r->nfindings = r->capfindings = 2;
    r->findings = calloc(2, sizeof *r->findings);
    r->findings[0] = (pc_finding){.check = sdup("setuid-file"),
                                  .action = PC_ACTION_DENY,
                                  .message = sdup("/bin/su is set-user-ID"),
                                  .path = sdup("/bin/su"),
                                  .layer = sdup(D1),
                                  .neutralised = 1};
    r->findings[1] = (pc_finding){.check = sdup("suspicious-tool"),
                                  .action = PC_ACTION_WARN,
                                  .message = sdup("nmap: a network scanner"),
                                  .rule = sdup("tool_nmap"),
                                  .step = sdup("RUN apt-get install nmap"),
                                  .waived_by = sdup("x.json: exceptions[0]: ok"),
                                  .would_deny = 1,
                                  .category = sdup("scanner"),
                                  .severity = sdup("high"),
                                  .signal = sdup("content")};
    pc_sandbox_info *s = &r->sandbox;
    s->program = sdup("/app/run");
    s->user = sdup("1000:1000");
    s->needs_caps = calloc(1, sizeof *s->needs_caps);
    s->needs_caps[0] = sdup("cap_net_raw");
    s->nneeds_caps = 1;
    s->privileged_ports = calloc(2, sizeof *s->privileged_ports);
    s->privileged_ports[0] = 80, s->privileged_ports[1] = 443;
    s->nprivileged_ports = 2;
    s->argv = calloc(2, sizeof *s->argv);
    s->argv[0] = sdup("/app/run"), s->argv[1] = sdup("--serve");
    s->nargv = 2;
    s->no_new_privileges = 1;
    s->user_from = "run";
    s->groups = calloc(1, sizeof *s->groups);
    s->groups[0] = 44;
    s->ngroups = 1;
    return r;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void roundtrip(void)
{
    pc_result *r = sample();
    unsigned char *p = NULL;
    size_t n = 0;
    CHECK(wh_verdict_encode(r, &p, &n) == 0);
    CHECK(n > 44 && memcmp(p, "PCVD", 4) == 0);
    pc_result *d = wh_verdict_decode(p, n);
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->image, r->image);
        CHECK_STR(d->digest, D1);
        CHECK_STR(d->manifest_digest, D2);
        CHECK(d->rules_digest == NULL && d->attestation == NULL && d->subject == NULL);
        CHECK_STR(d->exempt, "app/*");
        CHECK_STR(d->run_key, D2);
        CHECK(d->denied == 1 && d->scan_failed == 0 && d->findings_lost == 0 && d->would_deny);
        CHECK(d->stats.layers == 3 && d->stats.cached_layers == 2 && d->stats.files == 1234 &&
              d->stats.bytes == UINT64_C(5000000000) && d->stats.duration_ms == 42);
        CHECK(d->nfindings == 2);
        for (size_t i = 0; i < 2 && i < d->nfindings; i++) {
            const pc_finding *a = &r->findings[i], *b = &d->findings[i];
            CHECK(same_str(a->check, b->check) && a->action == b->action &&
                  same_str(a->message, b->message) && same_str(a->path, b->path) &&
                  same_str(a->layer, b->layer) && same_str(a->rule, b->rule) &&
                  same_str(a->step, b->step) && same_str(a->waived_by, b->waived_by) &&
                  a->would_deny == b->would_deny && a->neutralised == b->neutralised &&
                  same_str(a->category, b->category) && same_str(a->severity, b->severity) &&
                  same_str(a->signal, b->signal));
        }
        CHECK_STR(d->sandbox.program, "/app/run");
        CHECK(d->sandbox.nneeds_caps == 1 && d->sandbox.nprivileged_ports == 2 &&
              d->sandbox.privileged_ports[1] == 443 && d->sandbox.nargv == 2 &&
              d->sandbox.ngroups == 1 && d->sandbox.groups[0] == 44 &&
              d->sandbox.ncapabilities == 0 && d->sandbox.no_new_privileges);
        CHECK_STR(d->sandbox.argv[1], "--serve");
        CHECK_STR(d->sandbox.user_from, "run");
    }
    pc_result_free(d);
    /* every truncation and every flipped bit: refused */
    int cut = 0, flip = 0;
    for (size_t k = 0; k < n; k++) {
        pc_result *t = wh_verdict_decode(p, k);
        cut += t != NULL;
        pc_result_free(t);
    }
    unsigned char *q = malloc(n + 1);
    for (size_t k = 0; k < n; k++)
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(q, p, n);
            q[k] ^= (unsigned char)(1u << bit);
            pc_result *t = wh_verdict_decode(q, n);
            flip += t != NULL;
            pc_result_free(t);
        }
    CHECK(cut == 0);
    CHECK(flip == 0);
    memcpy(q, p, n);
    q[n] = 0;
    CHECK(wh_verdict_decode(q, n + 1) == NULL); /* padded */
    char digest[72];
    CHECK(wh_tag_decode(p, n, digest) < 0); /* a verdict is not a tag */
    free(q);
    free(p);
    pc_result_free(r);
}

/* Re-seal a value after changing it, as a forger without the MAC key
 * could: the checksum is no defence, the field checks are. */
static void reseal(unsigned char *p, size_t n)
{
    unsigned int len = 0;
    EVP_Digest(p, n - 32, p + n - 32, &len, EVP_sha256(), NULL);
}

static void hostile(void)
{
    pc_result *r = sample();
    unsigned char *p = NULL;
    size_t n = 0;
    CHECK(wh_verdict_encode(r, &p, &n) == 0);
    /* another version, with a good checksum */
    p[4] = 2;
    reseal(p, n);
    CHECK(wh_verdict_decode(p, n) == NULL);
    p[4] = 1;
    reseal(p, n);
    pc_result *ok = wh_verdict_decode(p, n);
    CHECK(ok != NULL);
    pc_result_free(ok);
    /* the first string's length (image) set past the value */
    unsigned char save[4];
    memcpy(save, p + 12, 4);
    memset(p + 12, 0x7f, 4);
    reseal(p, n);
    CHECK(wh_verdict_decode(p, n) == NULL);
    memcpy(p + 12, save, 4);
    /* a NUL inside the image reference */
    p[16 + 3] = 0;
    reseal(p, n);
    CHECK(wh_verdict_decode(p, n) == NULL);
    free(p);
    /* an action out of range */
    r->findings[0].action = (pc_action)7;
    CHECK(wh_verdict_encode(r, &p, &n) == 0);
    CHECK(wh_verdict_decode(p, n) == NULL);
    free(p);
    /* a user_from the codec does not know is never written */
    r->findings[0].action = PC_ACTION_DENY;
    r->sandbox.user_from = "elsewhere";
    CHECK(wh_verdict_encode(r, &p, &n) < 0);
    r->sandbox.user_from = NULL;
    pc_result_free(r);
    CHECK(wh_verdict_decode(NULL, 0) == NULL);
    CHECK(wh_verdict_decode((const unsigned char *)"not a verdict at all, not at all!!!!!!!!!!!!",
                            44) == NULL);
}

static void tags(void)
{
    unsigned char *p = NULL;
    size_t n = 0;
    char d[72] = "";
    CHECK(wh_tag_encode(D1, &p, &n) == 0);
    CHECK(wh_tag_decode(p, n, d) == 0);
    CHECK_STR(d, D1);
    CHECK(wh_verdict_decode(p, n) == NULL); /* a tag is not a verdict */
    CHECK(wh_tag_decode(p, n - 1, d) < 0);
    p[20] ^= 1;
    CHECK(wh_tag_decode(p, n, d) < 0);
    free(p);
    CHECK(wh_tag_encode("sha256:ABC", &p, &n) == 0); /* written, never believed */
    CHECK(wh_tag_decode(p, n, d) < 0);
    free(p);
    CHECK(wh_tag_encode("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
                        &p, &n) == 0);
    CHECK(wh_tag_decode(p, n, d) < 0);
    free(p);
}

int main(void)
{
    roundtrip();
    hostile();
    tags();
    TEST_MAIN_END();
}

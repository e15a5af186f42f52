/*
 * report_json.c — the portcullis.scan/v1 JSON report (docs/architecture.md) and the
 * finding/sandbox/report objects it is made of.
 *
 * Every builder returns a new reference or NULL when out of memory; a NULL
 * child makes json_object_set_new fail, and the failures are or-ed into
 * one flag, so a half-built object is never returned. Keys are inserted in
 * the order of the schema, which jansson keeps when dumping.
 */
#include <stdint.h>
#include <time.h>
#include "report/report.h"
#include "pcx.h"

json_t *pc_json_string(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    /* Not UTF-8 (a tar path can hold any byte): replace, do not drop. */
    pc_buf b = {0};
    uint32_t cp;
    for (const char *p = s; *p;) {
        size_t n = pc_utf8_decode(p, &cp);
        if (n == 0) {
            pc_buf_add(&b, "\xef\xbf\xbd", 3);
            p++;
        } else {
            pc_buf_add(&b, p, n);
            p += n;
        }
    }
    j = b.oom || !b.p ? NULL : json_string(b.p);
    pc_buf_free(&b);
    return j;
}

/* json_int_t is 64-bit; larger counts clamp rather than wrap negative. */
static json_t *json_u64(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* Steal o: return it when every set succeeded, else free it. */
static json_t *finish(json_t *o, int bad)
{
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *pc_finding_to_json(const pc_finding *f)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(o, "check", pc_json_string(f->check));
    bad |= json_object_set_new(o, "action", json_string(pc_action_name(f->action)));
    bad |= json_object_set_new(o, "message", pc_json_string(f->message));
    bad |= json_object_set_new(o, "path", pc_json_string(f->path));
    bad |= json_object_set_new(o, "layer", pc_json_string(f->layer));
    bad |= json_object_set_new(o, "rule", pc_json_string(f->rule));
    if (f->category) { /* suspicious-tool: what the tool is, which signal found it */
        bad |= json_object_set_new(o, "category", pc_json_string(f->category));
        bad |= json_object_set_new(o, "severity", pc_json_string(f->severity));
        bad |= json_object_set_new(o, "signal", pc_json_string(f->signal));
    }
    if (f->step) /* only then: the Dockerfile step of its layer (image history) */
        bad |= json_object_set_new(o, "step", pc_json_string(f->step));
    if (f->would_deny) /* only then: the policy's mode lowered a deny (README, Policies) */
        bad |= json_object_set_new(o, "would_deny", json_true());
    if (f->waived_by) /* only then: the exception that waived it (README, Policies) */
        bad |= json_object_set_new(o, "waived_by", pc_json_string(f->waived_by));
    if (f->neutralised) /* only then: the run makes it harmless (README, Policies) */
        bad |= json_object_set_new(o, "neutralised", json_true());
    return finish(o, bad);
}

static json_t *caps_to_json(const pc_sandbox_info *s)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    int bad = 0;
    for (size_t i = 0; s->needs_caps && i < s->nneeds_caps; i++)
        bad |= json_array_append_new(a, pc_json_string(s->needs_caps[i]));
    return finish(a, bad);
}

static json_t *ports_to_json(const pc_sandbox_info *s)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    int bad = 0;
    for (size_t i = 0; s->privileged_ports && i < s->nprivileged_ports; i++)
        bad |= json_array_append_new(a, json_integer(s->privileged_ports[i]));
    return finish(a, bad);
}

static json_t *argv_to_json(const pc_sandbox_info *s)
{
    json_t *a = json_array();
    int bad = !a;
    for (size_t i = 0; a && i < s->nargv; i++)
        bad |= json_array_append_new(a, pc_json_string(s->argv[i]));
    return finish(a, bad);
}

static json_t *groups_to_json(const pc_sandbox_info *s)
{
    json_t *a = json_array();
    int bad = !a;
    for (size_t i = 0; a && i < s->ngroups; i++)
        bad |= json_array_append_new(a, json_integer(s->groups[i]));
    return finish(a, bad);
}

static json_t *capabilities_to_json(const pc_sandbox_info *s)
{
    json_t *a = json_array();
    int bad = !a;
    for (size_t i = 0; a && i < s->ncapabilities; i++)
        bad |= json_array_append_new(a, pc_json_string(s->capabilities[i]));
    return finish(a, bad);
}

json_t *pc_sandbox_to_json(const pc_sandbox_info *s)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(o, "program", pc_json_string(s->program));
    bad |= json_object_set_new(o, "user", pc_json_string(s->user));
    bad |= json_object_set_new(o, "needs_root", json_boolean(s->needs_root));
    bad |= json_object_set_new(o, "needs_caps", caps_to_json(s));
    bad |= json_object_set_new(o, "privileged_ports", ports_to_json(s));
    bad |= json_object_set_new(o, "argv", argv_to_json(s));
    bad |= json_object_set_new(o, "no_new_privileges", json_boolean(s->no_new_privileges));
    bad |= json_object_set_new(o, "user_from", pc_json_string(s->user_from));
    bad |= json_object_set_new(o, "groups", groups_to_json(s));
    bad |= json_object_set_new(o, "capabilities", capabilities_to_json(s));
    return finish(o, bad);
}

static json_t *stats_to_json(const pc_stats *st)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(o, "layers", json_integer(st->layers));
    bad |= json_object_set_new(o, "files", json_u64(st->files));
    bad |= json_object_set_new(o, "bytes", json_u64(st->bytes));
    bad |= json_object_set_new(o, "duration_ms", json_u64(st->duration_ms));
    bad |= json_object_set_new(o, "cached_layers", json_integer(st->cached_layers));
    return finish(o, bad);
}

static json_t *findings_to_json(const pc_result *r)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    int bad = 0;
    for (size_t i = 0; r->findings && i < r->nfindings; i++)
        if (pc_report_finding_shown(&r->findings[i]))
            bad |= json_array_append_new(a, pc_finding_to_json(&r->findings[i]));
    return finish(a, bad);
}

json_t *pc_result_to_json(const pc_result *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(o, "image", pc_json_string(r->image));
    if (r->subject)
        bad |= json_object_set_new(o, "subject", pc_json_string(r->subject));
    if (r->run_key[0])
        bad |= json_object_set_new(o, "run_key", json_string(r->run_key));
    if (r->would_deny) /* only then: enforce mode would deny this image */
        bad |= json_object_set_new(o, "would_deny", json_true());
    bad |= json_object_set_new(o, "digest", pc_json_string(r->digest));
    bad |= json_object_set_new(o, "platform", pc_json_string(r->platform));
    bad |= json_object_set_new(o, "verdict", json_string(r->denied ? "deny" : "allow"));
    bad |= json_object_set_new(o, "policy", pc_json_string(r->policy));
    bad |= json_object_set_new(o, "findings", findings_to_json(r));
    bad |= json_object_set_new(o, "sandbox", pc_sandbox_to_json(&r->sandbox));
    bad |= json_object_set_new(o, "stats", stats_to_json(&r->stats));
    /* Extensions after the schema's keys: what the verdict was computed from. */
    bad |= json_object_set_new(o, "manifest_digest", pc_json_string(r->manifest_digest));
    bad |= json_object_set_new(o, "config_digest", pc_json_string(r->config_digest));
    bad |= json_object_set_new(o, "policy_digest", pc_json_string(r->policy_digest));
    bad |= json_object_set_new(o, "rules_digest", pc_json_string(r->rules_digest));
    bad |= json_object_set_new(o, "exempt", pc_json_string(r->exempt));
    bad |= json_object_set_new(o, "scan_failed", json_boolean(r->scan_failed));
    if (r->attestation) {
        json_t *att = json_loads(r->attestation, 0, NULL);
        bad |= att ? json_object_set_new(o, "attestation", att) : -1;
    }
    return finish(o, bad);
}

json_t *pc_report_to_json(pc_result *const *results, size_t n)
{
    int denied = 0;
    for (size_t i = 0; i < n; i++)
        denied |= results[i]->denied != 0;
    json_t *reports = json_array();
    if (!reports)
        return NULL;
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= json_array_append_new(reports, pc_result_to_json(results[i]));
    if (bad) {
        json_decref(reports);
        return NULL;
    }
    json_t *o = json_object();
    if (!o) {
        json_decref(reports);
        return NULL;
    }
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    bad |= json_object_set_new(o, "schema", json_string("portcullis.scan/v1"));
    bad |= json_object_set_new(
        o, "scanner", json_pack("{s:s, s:s}", "name", "portcullis", "version", PC_VERSION));
    bad |= json_object_set_new(o, "generated_at", json_string(now));
    bad |= json_object_set_new(o, "verdict", json_string(denied ? "deny" : "allow"));
    bad |= json_object_set_new(o, "reports", reports);
    return finish(o, bad);
}

/*
 * report_sarif.c — SARIF 2.1.0 for code-scanning UIs.
 *
 * One run; tool.driver.rules holds one rule per check id that occurs, in
 * order of first appearance, and every shown finding becomes one result
 * pointing at its rule by ruleId and ruleIndex. A rule's default level is
 * "error" when any of its findings is a deny, else "warning" (the policy,
 * not the check, decides, so this is what this report saw).
 *
 * Locations are relative URIs: the path in the image without its leading
 * '/', percent-encoded (a tar path may hold any byte, and an image ref like
 * "nginx:1.25" would otherwise read as a URI scheme).
 *
 * The run's property bag holds, per image, what it needs to run (the scan
 * report's sandbox object), so an image without findings still says it:
 *   "properties": {"images": [{"image", "digest", "platform", "verdict",
 *                              "sandbox": {"program", "user", ...}}]}
 *
 * Objects are built bottom-up and each child is handed to its parent even
 * after a failure: jansson frees a value it cannot store (NULL parent), so
 * freeing the outermost object on failure frees everything.
 */
#include <stdlib.h>
#include <string.h>
#include "check/checkid.h"
#include "report/report.h"
#include "pcx.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define TOOL_URI "https://github.com/portcullis/portcullis"

static const char *level_of(pc_action a)
{
    return a == PC_ACTION_DENY ? "error" : a == PC_ACTION_WARN ? "warning" : "note";
}

static const char *check_of(const pc_finding *f)
{
    return f->check ? f->check : "unknown";
}

/* "setuid-file" -> "SetuidFile": SARIF's rule name is an identifier. */
static char *rule_name(const char *id)
{
    char *s = pc_strdup(id);
    if (!s)
        return NULL;
    size_t o = 0;
    int up = 1;
    for (size_t i = 0; id[i]; i++) {
        if (id[i] == '-' || id[i] == '_') {
            up = 1;
            continue;
        }
        s[o++] = up && id[i] >= 'a' && id[i] <= 'z' ? (char)(id[i] - 'a' + 'A') : id[i];
        up = 0;
    }
    s[o] = 0;
    return s;
}

static json_t *text_obj(json_t *text)
{
    json_t *o = json_object();
    if (json_object_set_new(o, "text", text) == 0)
        return o;
    json_decref(o);
    return NULL;
}

static json_t *new_rule(const char *id, pc_action a)
{
    int known = pc_check_id_parse(id);
    const char *help = known >= 0 ? pc_check_id_help((pc_check_id)known) : id;
    char *name = rule_name(id);
    json_t *o = json_object(), *cfg = json_object();
    int bad = !name || !o || !cfg;
    bad |= json_object_set_new(cfg, "level", json_string(level_of(a)));
    bad |= json_object_set_new(o, "id", pc_json_string(id));
    bad |= json_object_set_new(o, "name", pc_json_string(name));
    bad |= json_object_set_new(o, "shortDescription", text_obj(pc_json_string(help)));
    bad |= json_object_set_new(o, "defaultConfiguration", cfg);
    free(name);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Index of f's rule in rules, adding the rule on first sight; -1: OOM. */
static long rule_index(json_t *rules, const pc_finding *f)
{
    const char *id = check_of(f);
    size_t i, n = json_array_size(rules);
    for (i = 0; i < n; i++) {
        json_t *r = json_array_get(rules, i);
        if (strcmp(json_string_value(json_object_get(r, "id")), id) != 0)
            continue;
        if (f->action == PC_ACTION_DENY) {
            json_t *cfg = json_object_get(r, "defaultConfiguration");
            if (json_object_set_new(cfg, "level", json_string("error")) != 0)
                return -1;
        }
        return (long)i;
    }
    if (json_array_append_new(rules, new_rule(id, f->action)) != 0)
        return -1;
    return (long)n;
}

/* Relative URI of a path in the image, or of the image when there is none. */
static char *location_uri(const char *path, const char *image)
{
    const char *s = path ? path : image ? image : "image";
    while (path && *s == '/')
        s++;
    if (!*s)
        s = ".";
    pc_buf b = {0};
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~/", c))
            pc_buf_add(&b, s, 1);
        else
            pc_buf_printf(&b, "%%%02X", c);
    }
    if (b.oom) {
        pc_buf_free(&b);
        return NULL;
    }
    return b.p;
}

static json_t *sarif_locations(const pc_finding *f, const char *image)
{
    char *uri = location_uri(f->path, image);
    json_t *art = json_object(), *phys = json_object(), *loc = json_object();
    json_t *arr = json_array();
    int bad = !uri || !art || !phys || !loc || !arr;
    bad |= json_object_set_new(art, "uri", uri ? pc_json_string(uri) : NULL);
    bad |= json_object_set_new(phys, "artifactLocation", art);
    bad |= json_object_set_new(loc, "physicalLocation", phys);
    bad |= json_array_append_new(arr, loc);
    free(uri);
    if (bad) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static json_t *sarif_properties(const pc_result *r, const pc_finding *f)
{
    json_t *o = json_object();
    int bad = !o;
    bad |= json_object_set_new(o, "image", pc_json_string(r->image));
    if (r->subject)
        bad |= json_object_set_new(o, "subject", pc_json_string(r->subject));
    bad |= json_object_set_new(o, "digest", pc_json_string(r->digest));
    bad |= json_object_set_new(o, "layer", pc_json_string(f->layer));
    bad |= json_object_set_new(o, "rule", pc_json_string(f->rule));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *sarif_result(const pc_result *r, const pc_finding *f, long idx)
{
    char *text =
        pc_asprintf("%s: %s", r->image ? r->image : "image", f->message ? f->message : check_of(f));
    json_t *o = json_object();
    int bad = !text || !o;
    bad |= json_object_set_new(o, "ruleId", pc_json_string(check_of(f)));
    bad |= json_object_set_new(o, "ruleIndex", json_integer(idx));
    bad |= json_object_set_new(o, "level", json_string(level_of(f->action)));
    bad |= json_object_set_new(o, "message", text ? text_obj(pc_json_string(text)) : NULL);
    bad |= json_object_set_new(o, "locations", sarif_locations(f, r->image));
    bad |= json_object_set_new(o, "properties", sarif_properties(r, f));
    if (f->waived_by) { /* SARIF's own form of a waiver, with its justification */
        json_t *sup = json_pack("[{s:s, s:s, s:o}]", "kind", "external", "status", "accepted",
                                "justification", pc_json_string(f->waived_by));
        bad |= !sup || json_object_set_new(o, "suppressions", sup);
    }
    free(text);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Fill rules and results from every shown finding of every result. */
static int sarif_fill(json_t *rules, json_t *out, pc_result *const *results, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const pc_result *r = results[i];
        for (size_t j = 0; r->findings && j < r->nfindings; j++) {
            const pc_finding *f = &r->findings[j];
            if (!pc_report_finding_shown(f))
                continue;
            long idx = rule_index(rules, f);
            if (idx < 0 || json_array_append_new(out, sarif_result(r, f, idx)) != 0)
                return -1;
        }
    }
    return 0;
}

static json_t *sarif_driver(json_t *rules)
{
    json_t *d = json_object();
    int bad = !d;
    bad |= json_object_set_new(d, "name", json_string("portcullis"));
    bad |= json_object_set_new(d, "version", json_string(PC_VERSION));
    bad |= json_object_set_new(d, "informationUri", json_string(TOOL_URI));
    bad |= json_object_set_new(d, "rules", rules);
    if (bad) {
        json_decref(d);
        return NULL;
    }
    return d;
}

static json_t *sarif_image(const pc_result *r)
{
    json_t *o = json_object();
    int bad = !o;
    bad |= json_object_set_new(o, "image", pc_json_string(r->image));
    if (r->subject)
        bad |= json_object_set_new(o, "subject", pc_json_string(r->subject));
    bad |= json_object_set_new(o, "digest", pc_json_string(r->digest));
    bad |= json_object_set_new(o, "platform", pc_json_string(r->platform));
    bad |= json_object_set_new(o, "verdict", json_string(r->denied ? "deny" : "allow"));
    bad |= json_object_set_new(o, "sandbox", pc_sandbox_to_json(&r->sandbox));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* {"images": [...]}: each image's sandbox facts. */
static json_t *sarif_run_properties(pc_result *const *results, size_t n)
{
    json_t *o = json_object(), *imgs = json_array();
    int bad = !o || !imgs;
    for (size_t i = 0; i < n && !bad; i++)
        bad |= json_array_append_new(imgs, sarif_image(results[i]));
    bad |= json_object_set_new(o, "images", imgs);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *pc_report_to_sarif(pc_result *const *results, size_t n)
{
    json_t *rules = json_array(), *res = json_array();
    if (!rules || !res || sarif_fill(rules, res, results, n) != 0) {
        json_decref(rules);
        json_decref(res);
        return NULL;
    }
    json_t *tool = json_object(), *run = json_object(), *runs = json_array();
    json_t *doc = json_object();
    int bad = !tool || !run || !runs || !doc;
    bad |= json_object_set_new(tool, "driver", sarif_driver(rules));
    bad |= json_object_set_new(run, "tool", tool);
    bad |= json_object_set_new(run, "results", res);
    bad |= json_object_set_new(run, "properties", sarif_run_properties(results, n));
    bad |= json_array_append_new(runs, run);
    bad |= json_object_set_new(doc, "$schema", json_string(SARIF_SCHEMA));
    bad |= json_object_set_new(doc, "version", json_string("2.1.0"));
    bad |= json_object_set_new(doc, "runs", runs);
    if (bad) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/*
 * report_sarif.c — SARIF 2.1.0 for code-scanning UIs, GitHub's first.
 *
 * One run per image, each with its own automationDetails.id
 * ("portcullis/REPOSITORY/"), so several images in one file or one commit
 * never merge their alerts. tool.driver.rules holds every check's rule in
 * id order (sarif_rules.c), so a rule's index is its check's number and
 * its metadata never depends on what a scan saw; each result's level is
 * what the policy decided (error, warning; note for a waived or audited
 * finding, which also carries SARIF suppressions when waived).
 *
 * Locations are relative URIs with region.startLine 1 (GitHub requires a
 * region): the path in the image without its leading '/', or for a
 * finding about the image itself the repository without tag or digest,
 * so an alert survives a new tag. Both are percent-encoded (a tar path may
 * hold any byte). partialFingerprints hash check, path, YARA rule and
 * repository: the same finding in the next build is the same alert.
 *
 * The run's property bag holds the image's sandbox facts, so an image
 * without findings still says what it needs:
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
#include "pcx/sha256.h"
#include "report/report.h"
#include "report/sarif_rules.h"
#include "source/imageref.h"
#include "pcx.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static const char *level_of(pc_action a)
{
    return a == PC_ACTION_DENY ? "error" : a == PC_ACTION_WARN ? "warning" : "note";
}

static const char *check_of(const pc_finding *f)
{
    return f->check ? f->check : "unknown";
}

static json_t *text_obj(json_t *text)
{
    json_t *o = json_object();
    if (json_object_set_new(o, "text", text) == 0)
        return o;
    json_decref(o);
    return NULL;
}

/* Relative URI of a path in the image, or of the repository. */
static char *location_uri(const char *path, const char *repo)
{
    const char *s = path ? path : repo;
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
    return pc_buf_take(&b);
}

static json_t *sarif_locations(const pc_finding *f, const char *repo)
{
    char *uri = location_uri(f->path, repo);
    json_t *arr = uri ? json_pack("[{s:{s:{s:s}, s:{s:i}}}]", "physicalLocation",
                                  "artifactLocation", "uri", uri, "region", "startLine", 1)
                      : NULL;
    free(uri);
    return arr;
}

/* {"portcullis/v1": sha256 of check, path, rule and repository}. */
static json_t *fingerprints(const pc_finding *f, const char *repo)
{
    pc_buf b = {0};
    char d[72];
    pc_buf_printf(&b, "%s\x1f%s\x1f%s\x1f%s", check_of(f), f->path ? f->path : "",
                  f->rule ? f->rule : "", repo); /* unit separators: no field holds one alone */
    if (b.oom || !b.p) {
        pc_buf_free(&b);
        return NULL;
    }
    pc_sha256_digest(b.p, b.len, d);
    pc_buf_free(&b);
    return json_pack("{s:s}", "portcullis/v1", d + 7);
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
    if (f->would_deny)
        bad |= json_object_set_new(o, "would_deny", json_true());
    if (f->category) {
        bad |= json_object_set_new(o, "category", pc_json_string(f->category));
        bad |= json_object_set_new(o, "severity", pc_json_string(f->severity));
        bad |= json_object_set_new(o, "signal", pc_json_string(f->signal));
    }
    if (f->step)
        bad |= json_object_set_new(o, "step", pc_json_string(f->step));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *sarif_result(const pc_result *r, const pc_finding *f, const char *repo)
{
    int idx = pc_check_id_parse(check_of(f));
    char *text = pc_asprintf("%s: %s",
                             r->subject ? r->subject
                             : r->image ? r->image
                                        : "image",
                             f->message ? f->message : check_of(f));
    json_t *o = json_object();
    int bad = !text || !o || idx < 0;
    bad |= json_object_set_new(o, "ruleId", pc_json_string(check_of(f)));
    bad |= json_object_set_new(o, "ruleIndex", json_integer(idx));
    bad |= json_object_set_new(o, "level", json_string(level_of(f->action)));
    bad |= json_object_set_new(o, "message", text ? text_obj(pc_json_string(text)) : NULL);
    bad |= json_object_set_new(o, "locations", sarif_locations(f, repo));
    bad |= json_object_set_new(o, "partialFingerprints", fingerprints(f, repo));
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

static json_t *sarif_driver(void)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "name", "portcullis", "version", PC_VERSION,
                     "informationUri", PC_SARIF_TOOL_URI, "rules", pc_sarif_rules());
}

/* One image's run (r NULL: an empty run, for a report of no image);
 * nth > 1 when an earlier run of this file has the same repository and
 * subject (two tags of one repository): its category gets "+nth", so the
 * two never merge, and the category stays free of the tag. */
static json_t *sarif_run(const pc_result *r, size_t nth)
{
    char repo[2 * PC_REF_NAME_MAX + 8] = "image";
    json_t *run = json_object(), *res = json_array(), *imgs = json_array();
    int bad = !run || !res || !imgs;
    if (r) {
        pc_image_repository(r->image, repo, sizeof repo);
        for (size_t j = 0; r->findings && j < r->nfindings && !bad; j++)
            if (pc_report_finding_shown(&r->findings[j]))
                bad |= json_array_append_new(res, sarif_result(r, &r->findings[j], repo));
        bad |= json_array_append_new(imgs, sarif_image(r));
        /* one category per image (and per workload container, when judged for one) */
        char plus[32] = "";
        if (nth > 1)
            snprintf(plus, sizeof plus, "+%zu", nth);
        char *id = r->subject ? pc_asprintf("portcullis/%s/%s%s/", repo, r->subject, plus)
                              : pc_asprintf("portcullis/%s%s/", repo, plus);
        bad |= !id || json_object_set_new(run, "automationDetails", json_pack("{s:s}", "id", id));
        free(id);
    }
    bad |= json_object_set_new(run, "tool", json_pack("{s:o}", "driver", sarif_driver()));
    bad |= json_object_set_new(run, "results", res);
    bad |= json_object_set_new(run, "properties", json_pack("{s:o}", "images", imgs));
    if (bad) {
        json_decref(run);
        return NULL;
    }
    return run;
}

json_t *pc_report_to_sarif(pc_result *const *results, size_t n)
{
    json_t *runs = json_array(), *doc = json_object();
    int bad = !runs || !doc;
    for (size_t i = 0; i < n && !bad; i++) {
        char ri[2 * PC_REF_NAME_MAX + 8], rj[2 * PC_REF_NAME_MAX + 8];
        size_t nth = 1;
        pc_image_repository(results[i]->image, ri, sizeof ri);
        for (size_t j = 0; j < i; j++) {
            pc_image_repository(results[j]->image, rj, sizeof rj);
            const char *si = results[i]->subject, *sj = results[j]->subject;
            nth += strcmp(ri, rj) == 0 && (si ? sj && strcmp(si, sj) == 0 : !sj);
        }
        bad |= json_array_append_new(runs, sarif_run(results[i], nth));
    }
    if (n == 0)
        bad |= json_array_append_new(runs, sarif_run(NULL, 1));
    bad |= json_object_set_new(doc, "$schema", json_string(SARIF_SCHEMA));
    bad |= json_object_set_new(doc, "version", json_string("2.1.0"));
    bad |= json_object_set_new(doc, "runs", runs);
    if (bad) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

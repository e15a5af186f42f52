/*
 * sarif_rules.c — the per-check text of SARIF rules: what a finding
 * means, how to fix it, how severe it is (GitHub's security-severity, a
 * CVSS-like 0.0-10.0 string) and its tags. Facts about our own checks;
 * README's "Checks" table says the same in prose.
 */
#include <stdlib.h>
#include <string.h>
#include "check/checkid.h"
#include "pcx.h"
#include "report/sarif_rules.h"

static const struct {
    const char *id, *means, *fix, *severity, *tag;
} docs[] = {
    {"root-user",
     "The container's effective user is uid 0: the image's USER (empty, root, 0, or a name its "
     "/etc/passwd maps to uid 0) or the run's user.",
     "Add a non-root user to the image and set USER to its numeric uid, or run it with a "
     "non-root user (securityContext.runAsUser, --user).",
     "7.5", "privilege"},
    {"run-refused",
     "The kubelet will refuse to start the container as it is run: runAsNonRoot is set and the "
     "user is root, or the image's USER is not numeric so it cannot be verified.",
     "Set runAsUser in the securityContext, or give the image a numeric, non-root USER.", "5.0",
     "runtime"},
    {"missing-entrypoint", "The image config has neither Entrypoint nor Cmd: nothing to start.",
     "Set ENTRYPOINT or CMD in the image, or give the command when running it.", "4.0", "runtime"},
    {"entrypoint-unrunnable",
     "The program the runtime would start cannot start as the sandbox user: missing, not "
     "executable, a directory on its path not searchable, a file the kernel will not exec, a "
     "missing interpreter, loader or shared library, a dropped capability.",
     "Fix the program's path, mode and owner, its #! line or its libraries, or run it with the "
     "user and capabilities it needs.",
     "5.0", "runtime"},
    {"workdir-inaccessible",
     "WORKDIR is not searchable by the sandbox user, or is not a directory.",
     "Make WORKDIR (and every directory above it) searchable by the user the image runs as.", "3.0",
     "runtime"},
    {"setuid-file",
     "A file of the final filesystem has the set-user-ID bit: running it gains its owner's "
     "privileges (root, usually).",
     "Remove the bit (chmod u-s) or the file in the image build; allow a file the image needs "
     "through the policy (allow_paths) or an exception.",
     "7.0", "privilege"},
    {"setgid-file", "A file of the final filesystem has the set-group-ID bit.",
     "Remove the bit (chmod g-s) or the file; allow a needed one through the policy.", "5.5",
     "privilege"},
    {"file-capability",
     "A file carries file capabilities (security.capability): running it grants them.",
     "Remove them (setcap -r) or the file; allow a needed one through the policy.", "6.5",
     "privilege"},
    {"suspicious-tool",
     "A network or attack tool, a reverse shell or a miner: a YARA rule matched a file (by "
     "content, so renamed and stripped copies too), a program links a packet capture or "
     "injection library, or the package database lists a tool package. The result's "
     "properties name its category, severity and signal.",
     "Remove the tool from the image; if it is needed, waive it with an exception naming the "
     "image, the path and the rule, or set the policy's action for its category "
     "(checks.suspicious-tool.categories).",
     "8.0", "malware"},
    {"device-file", "The image contains a character or block device node.",
     "Remove device nodes from the image: the runtime provides /dev.", "6.0", "privilege"},
    {"privileged-port",
     "The image exposes a port below 1024: binding it needs root or "
     "CAP_NET_BIND_SERVICE.",
     "Listen on a port of 1024 or above and map it in the service.", "2.0", "runtime"},
    {"secret-in-env",
     "An Env entry of the image config looks like a credential: it is readable by anyone who can "
     "pull the image.",
     "Remove the value from the image and pass it at run time (a secret store, a mounted file).",
     "7.0", "secret"},
    {"world-writable", "A world-writable file or directory without the sticky bit.",
     "Remove the write bit for others (chmod o-w), or set the sticky bit on shared directories.",
     "4.0", "filesystem"},
    {"unpinned-image",
     "The image was named by tag, not by digest: what runs can change after it was judged.",
     "Name the image by digest (image@sha256:...), or let the webhook's /mutate pin it.", "3.0",
     "supply-chain"},
    {"scan-error",
     "The image could not be read or scanned completely (unreachable registry, corrupt or "
     "truncated layer, wrong digest, path traversal, a limit exceeded): it is denied to fail "
     "closed.",
     "Check that the image exists and is intact, and that it stays within the policy's limits; "
     "retry when the registry was unreachable.",
     "5.0", "integrity"},
};

#define NDOCS (sizeof docs / sizeof docs[0])

static int doc_of(const char *check)
{
    for (size_t i = 0; i < NDOCS; i++)
        if (strcmp(docs[i].id, check) == 0)
            return (int)i;
    return -1;
}

int pc_sarif_rule_documented(const char *check)
{
    return doc_of(check) >= 0;
}

/* "root-user" -> "RootUser". */
static char *rule_name(const char *id)
{
    pc_buf b = {0};
    for (int up = 1; *id; id++) {
        if (*id == '-') {
            up = 1;
            continue;
        }
        char c = up && *id >= 'a' && *id <= 'z' ? (char)(*id - 'a' + 'A') : *id;
        pc_buf_add(&b, &c, 1);
        up = 0;
    }
    return pc_buf_take(&b);
}

static json_t *text_of(const char *s)
{
    return json_pack("{s:s}", "text", s);
}

static json_t *one_rule(const char *id)
{
    int d = doc_of(id);
    const char *help = pc_check_id_help(pc_check_id_parse(id));
    const char *means = d >= 0 ? docs[d].means : help;
    const char *fix = d >= 0 ? docs[d].fix : "See the README's Checks table.";
    char *name = rule_name(id);
    char *text = pc_asprintf("%s\n\nHow to fix: %s", means, fix);
    char *md = pc_asprintf("**%s**\n\n%s\n\n**How to fix:** %s\n\nSee [Checks](%s#checks).", id,
                           means, fix, PC_SARIF_TOOL_URI);
    char *uri = pc_asprintf("%s#checks", PC_SARIF_TOOL_URI);
    json_t *o = NULL;
    if (name && text && md && uri)
        o = json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:s}, s:s, s:{s:s}, s:{s:[s,s,s], s:s, "
                      "s:s}}",
                      "id", id, "name", name, "shortDescription", text_of(help), "fullDescription",
                      text_of(means), "help", "text", text, "markdown", md, "helpUri", uri,
                      "defaultConfiguration", "level", "error", "properties", "tags", "security",
                      "container", d >= 0 ? docs[d].tag : "portcullis", "security-severity",
                      d >= 0 ? docs[d].severity : "5.0", "precision", "high");
    free(name);
    free(text);
    free(md);
    free(uri);
    return o;
}

json_t *pc_sarif_rules(void)
{
    json_t *a = json_array();
    for (int i = 0; a && i < PC_CHK_COUNT; i++) {
        json_t *r = one_rule(pc_check_id_name((pc_check_id)i));
        if (!r || json_array_append_new(a, r) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

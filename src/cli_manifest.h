/*
 * cli_manifest.h — Kubernetes manifests read as Kubernetes reads them
 * (cli_manifest.c): a file of YAML documents, or a stream of JSON objects,
 * to one jansson value per document, with the YAML typing of
 * sigs.k8s.io/yaml (go-yaml v2, then JSON) and hard limits on what a
 * hostile file may cost. What the documents mean is cli_workload.c's.
 */
#ifndef PC_CLI_MANIFEST_H
#define PC_CLI_MANIFEST_H

#include <jansson.h>
#include <stddef.h>

#define CLI_MANIFEST_MAX_BYTES (16u << 20)  /* one file */
#define CLI_MANIFEST_MAX_DEPTH 64           /* nested mappings and sequences */
#define CLI_MANIFEST_MAX_ALIASES 1000       /* alias uses in one file */
#define CLI_MANIFEST_MAX_ALIAS_NODES 100000 /* nodes aliases add, in one file */

typedef struct cli_doc {
    json_t *v;   /* the document's root (never JSON null: empty documents are dropped) */
    size_t line; /* where it starts, 1-based */
} cli_doc;

typedef struct cli_docs {
    cli_doc *v;
    size_t n, cap;
} cli_docs;

/* Parse len bytes of text (a manifest named name, for messages) and append
 * its documents to out. Text whose first non-blank byte is '{' is a stream
 * of JSON objects (as Kubernetes' YAMLOrJSONDecoder decides); anything
 * else is YAML. 0, or -1 with "NAME:LINE[:COL]: what is wrong" in err
 * (documents already appended stay in out). */
int cli_manifest_parse(const char *name, const char *text, size_t len, cli_docs *out, char *err,
                       size_t errlen);

/* Read the manifest at path ("-": standard input) and parse it. */
int cli_manifest_read(const char *path, cli_docs *out, char *err, size_t errlen);

void cli_docs_free(cli_docs *d);

#endif

/*
 * toolpkgs.h — the lists of tool packages (rules/packages/NAME.tsv): packages
 * known to be attack or network tools, by the name their distribution
 * gives them. A package database listing one as installed is a
 * suspicious-tool finding (check/tool_package.c).
 *
 *   packages/debian.tsv   names of dpkg packages (Debian, Ubuntu, distroless)
 *   packages/alpine.tsv   names of apk packages (Alpine)
 *   packages/pypi.tsv     PyPI projects, normalised (lower case, runs of - _ . as -)
 *   packages/rubygems.tsv RubyGems gems
 *   packages/cargo.tsv    crates.io crates, normalised (lower case, _ as -)
 *   packages/go.tsv       Go module paths (github.com/OWNER/REPO): a path
 *                         below one (…/v3/cmd/tool) is that module
 *   packages/rpm.tsv      RPM package names (Fedora, RHEL/UBI, Amazon Linux,
 *                         openSUSE)
 *
 * debian, alpine, pypi and rubygems are looked up for what an image has
 * installed (its package databases, pip's .dist-info and gem's .gemspec
 * records: check/tool_package.c); all of them for what the run installs
 * when it starts (check/tool_install.c).
 *
 * One package a line, four tab-separated columns: package, category (the
 * categories of the tool rules, pc_toolpkg_category_ok), severity (high,
 * medium or low) and why (free text: "debtags network::scanner",
 * "curated: ..."). Blank lines and lines starting with '#' are skipped.
 * Anything else — a missing or extra column, an unknown category or
 * severity, a name that is not a package name, a package listed twice, a
 * .tsv of another name in packages/ — is an error "FILE:LINE: message",
 * and the rules set does not load (a scan does not start), as with a rule
 * that does not compile. The lists are part of the rules digest
 * (yara_rules.h).
 */
#ifndef PC_TOOLPKGS_H
#define PC_TOOLPKGS_H

#include <stddef.h>
#include "pcx.h"
#include "layer/facts.h"

#define PC_TOOLPKGS_MAX 10000 /* entries over all lists */

typedef struct pc_toolpkg {
    const char *name, *category, *severity, *why;
} pc_toolpkg;

typedef struct pc_toolpkgs pc_toolpkgs;

/* 1 when name is a category of the tool rules (rules/README.md). */
int pc_toolpkg_category_ok(const char *name);

/* A new, empty set; NULL on out of memory. */
pc_toolpkgs *pc_toolpkgs_new(void);
void pc_toolpkgs_free(pc_toolpkgs *t);
/* Add the list file rel (its name under the rules root, "packages/debian.tsv")
 * holding data. shown: the path for messages. -1 with e set to
 * "SHOWN:LINE: message" when it is malformed. */
int pc_toolpkgs_add(pc_toolpkgs *t, const char *rel, const char *shown, const char *data,
                    size_t len, pc_err *e);
/* Sort for lookups; call once after the last add. */
void pc_toolpkgs_done(pc_toolpkgs *t);
/* The lists, by where their names come from. */
typedef enum {
    PC_TOOLPKG_DEBIAN,
    PC_TOOLPKG_ALPINE,
    PC_TOOLPKG_PYPI,
    PC_TOOLPKG_RUBYGEMS,
    PC_TOOLPKG_CARGO,
    PC_TOOLPKG_GO,
    PC_TOOLPKG_RPM,
} pc_toolpkg_list;

/* The entry for a package a database of kind lists, or NULL. */
const pc_toolpkg *pc_toolpkgs_find(const pc_toolpkgs *t, pc_pkgdb_kind kind, const char *name);
/* The entry of list for name, or NULL: name as the package manager was
 * given it (PyPI's and crates.io's are normalised here; a Go package
 * path matches the module it is in). */
const pc_toolpkg *pc_toolpkgs_find_in(const pc_toolpkgs *t, pc_toolpkg_list list, const char *name);
/* Entries over all lists, and lists read. */
size_t pc_toolpkgs_count(const pc_toolpkgs *t);
size_t pc_toolpkgs_files(const pc_toolpkgs *t);
/* 1 when rel names a list file the rules root may hold (packages/NAME.tsv). */
int pc_toolpkgs_is_list(const char *rel);

#endif

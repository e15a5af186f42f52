/*
 * toolcat.h — the categories of suspicious-tool findings (rules/README.md):
 * what kind of tool a rule, a capability signal or a package names. A
 * policy sets an action per category (checks.suspicious-tool.categories),
 * so the list is fixed: a category a policy names must exist, or a typo
 * would silently keep or lose a deny.
 */
#ifndef PC_TOOLCAT_H
#define PC_TOOLCAT_H

#define PC_TOOLCAT_COUNT 21

/* The category names, in the order of rules/README.md; index with 0 ..
 * PC_TOOLCAT_COUNT-1. */
extern const char *const pc_tool_categories[PC_TOOLCAT_COUNT];

/* The index of a category name, or -1. */
int pc_tool_category_index(const char *name);

#endif

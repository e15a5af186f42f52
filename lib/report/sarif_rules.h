/*
 * sarif_rules.h — what SARIF says about each check (sarif_rules.c): the
 * rule objects of tool.driver.rules, one per check id in id order, so a
 * rule's index is its check's number and the metadata never depends on
 * what one scan saw (GitHub code scanning keeps the first it is given).
 */
#ifndef PC_SARIF_RULES_H
#define PC_SARIF_RULES_H

#include <jansson.h>

#define PC_SARIF_TOOL_URI "https://github.com/portcullis/portcullis"

/* Every check's rule: id, name, shortDescription, fullDescription, help
 * (text and markdown: what it means, how to fix it), helpUri,
 * defaultConfiguration, properties (tags, security-severity). NULL when
 * out of memory. */
json_t *pc_sarif_rules(void);
/* 1 when check has its own documentation in the table (a test keeps every
 * check documented). */
int pc_sarif_rule_documented(const char *check);

#endif

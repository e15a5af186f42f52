/*
 * yara_cache.h — compiled YARA rules kept next to the layer facts
 * (CACHE/rules/<rules digest>.yarc), so a warm scan loads the rules set
 * instead of compiling it. Same trust rules as the facts cache: a
 * directory only we may write, a header naming the key and a SHA-256 of
 * the body checked before libyara sees a byte; anything odd is a miss.
 */
#ifndef PC_YARA_CACHE_H
#define PC_YARA_CACHE_H

struct YR_RULES;

/* 1 and *out set when a valid entry for digest was loaded, else 0. */
int pc_rules_cache_load(const char *cache_dir, const char *digest, struct YR_RULES **out);
/* Best effort: a failure only means the next run compiles again. */
void pc_rules_cache_store(const char *cache_dir, const char *digest, struct YR_RULES *rules);

#endif

/*
 * yara_cache.h — compiled YARA rules kept next to the layer facts
 * (CACHE/rules/<rules digest>.yarc), so a warm scan loads the rules set
 * instead of compiling it, and the prefilter's compiled database beside
 * them (CACHE/rules/<key>.hsdb, prefilter.h). Same trust rules as the facts cache: a
 * directory only we may write, a header naming the key and a SHA-256 of
 * the body checked before libyara sees a byte; anything odd is a miss.
 */
#ifndef PC_YARA_CACHE_H
#define PC_YARA_CACHE_H

struct YR_RULES;

/* 1 and *out set when a valid entry for digest was loaded, else 0. */
int pc_rules_cache_load(const char *cache_dir, const char *digest, struct YR_RULES **out);
/* Best effort: a failure only means the next run compiles again.
 * Saved rules are also loaded back in place of *rules: a set fresh from
 * the compiler holds the compiler's memory (about 10 MiB for the shipped
 * rules), the loaded one only the rules, as a warm run's. cache_dir may
 * be NULL (load back only). *rules stays as it was when that fails. */
void pc_rules_cache_store(const char *cache_dir, const char *digest, struct YR_RULES **rules);

/* Any other blob under the same rules: CACHE/rules/<key>.<ext>, key
 * "sha256:<hex>", same header and checks. 1 with the body in *out
 * (malloc'd) when a valid entry was found, else 0. */
int pc_rules_cache_get(const char *cache_dir, const char *ext, const char *key, unsigned char **out,
                       size_t *len);
void pc_rules_cache_put(const char *cache_dir, const char *ext, const char *key,
                        const unsigned char *body, size_t len);

#endif

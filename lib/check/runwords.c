/*
 * runwords.c — see runwords.h.
 */
#include <ctype.h>
#include <string.h>
#include "check/runwords.h"

static pc_runsep kind_of(const char *s, size_t len, size_t i, int *skip_next)
{
    char ch = s[i], prev = i > 0 ? s[i - 1] : 0, next = i + 1 < len ? s[i + 1] : 0;
    *skip_next = 0;
    if (ch == '|') {
        if (next == '|') { /* || : a new command, not a pipe */
            *skip_next = 1;
            return PC_RUNSEP_END;
        }
        if (next == '&')
            *skip_next = 1;
        return PC_RUNSEP_PIPE;
    }
    if (ch == '(' && (prev == '$' || prev == '<' || prev == '>'))
        return PC_RUNSEP_SUBST;
    return PC_RUNSEP_END;
}

void pc_runwords(const char *text, size_t len, const pc_runwords_cb *cb)
{
    char w[PC_RUNWORD_MAX];
    size_t n = 0;
    int cut = 0;      /* the word was longer than w: dropped */
    int backtick = 0; /* inside `...` */
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = i < len ? (unsigned char)text[i] : '\n';
        int sep = ch != 0 && strchr("\n;&|()`{}", ch) != NULL;
        if (ch == '{' && n == 1 && w[0] == '$')
            sep = 0; /* ${NAME} */
        if (ch == '}' && n > 1 && w[0] == '$' && w[1] == '{')
            sep = 0;
        /* $( <( >( : the $ < > before the parenthesis is no word */
        if (ch == '(' && n == 1 && (w[0] == '$' || w[0] == '<' || w[0] == '>'))
            n = 0;
        if (sep || ch == ' ' || ch == '\t' || ch == '\r' || ch == 0) {
            if (n && !cut) {
                w[n] = 0;
                cb->word(cb->ud, w);
            }
            n = 0;
            cut = 0;
            if (sep) {
                int skip = 0;
                pc_runsep k = PC_RUNSEP_END;
                if (i < len && ch == '`')
                    k = (backtick = !backtick) ? PC_RUNSEP_SUBST : PC_RUNSEP_END;
                else if (i < len)
                    k = kind_of(text, len, i, &skip);
                cb->sep(cb->ud, k);
                i += (size_t)skip;
            }
            continue;
        }
        if (ch == '\'' || ch == '"' || ch == '\\')
            continue;
        if (n + 1 < sizeof w)
            w[n++] = (char)ch;
        else
            cut = 1;
    }
}

void pc_runwords_lines(const char *text, size_t len, const pc_runwords_cb *cb)
{
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p), k = 0;
        while (k < ll && (isalnum((unsigned char)p[k]) || p[k] == '_'))
            k++;
        if (k > 0 && k < ll && p[k] == '=' && !isdigit((unsigned char)p[0]))
            pc_runwords(p + k + 1, ll - k - 1, cb); /* NAME=VALUE: the value */
        else
            pc_runwords(p, ll, cb);
        p += ll + 1;
    }
}

int pc_word_in(const char *const *v, const char *w)
{
    for (; *v; v++)
        if (!strcmp(*v, w))
            return 1;
    return 0;
}

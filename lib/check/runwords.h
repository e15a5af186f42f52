/*
 * runwords.h — the run's text (its argv joined by spaces, its environment
 * and its other commands, a line each) cut into shell words, for the
 * signals that read commands rather than match strings (tool_install.c,
 * tool_fetch.c). Coarser than a shell, never joining two commands: blanks
 * part words, quotes and backslashes are dropped ('nmap' is nmap), and
 * each of newline ; & | ( ) ` { } ends the command before it. A word is
 * at most PC_RUNWORD_MAX - 1 bytes; a longer one is dropped.
 */
#ifndef PC_RUNWORDS_H
#define PC_RUNWORDS_H

#include <stddef.h>

#define PC_RUNWORD_MAX 256

typedef enum {
    PC_RUNSEP_END,   /* newline ; & || { } ) and the end of the text */
    PC_RUNSEP_PIPE,  /* | or |& : the next command reads this one's output */
    PC_RUNSEP_SUBST, /* $( <( >( or an opening ` : a command whose output is a word */
} pc_runsep;

typedef struct pc_runwords_cb {
    void (*word)(void *ud, const char *w);
    void (*sep)(void *ud, pc_runsep kind);
    void *ud;
} pc_runwords_cb;

/* Calls cb->word for each word of text (len bytes) and cb->sep after the
 * last word of each command. ${NAME} stays one word. */
void pc_runwords(const char *text, size_t len, const pc_runwords_cb *cb);
/* The same, line by line, where a line that is an environment entry
 * (NAME=VALUE) is read as its VALUE (a variable that holds a command is
 * the payload an entrypoint evals), and a word $NAME or ${NAME} that such
 * a line sets, or a NAME=VALUE word before it in the text (X=curl; $X URL
 * | sh), is replaced by its value's words (apt-get install $TOOLS, $FETCH
 * | sh); a variable nothing sets stays the word it is. */
void pc_runwords_lines(const char *text, size_t len, const pc_runwords_cb *cb);

/* The length of NAME when s (len bytes) starts NAME=, else 0: an
 * environment entry, or a VAR=value word before a command. */
size_t pc_runword_assignment(const char *s, size_t len);
/* 1 when w is one of v's words (v NULL-terminated). */
int pc_word_in(const char *const *v, const char *w);

#endif

/*
 * privsep.h — the library's side of key processes: the public interface
 * is portcullis_keyproc.h; this adds the key process's own sandbox.
 */
#ifndef PC_PRIVSEP_H
#define PC_PRIVSEP_H

#include "portcullis_keyproc.h"

/* The key process's sandbox (seccomp.c): no new privileges and a seccomp
 * filter allowing only reads and writes on fd sock (and writes on 2),
 * opening files read-only, stat, close, memory calls without PROT_EXEC,
 * futex, getrandom, the clock, exit. Any other system call kills the
 * process. 0, or -1 with errno set (and nothing installed). */
int pc_seccomp_keyproc(int sock);

#endif

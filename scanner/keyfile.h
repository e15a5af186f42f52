/*
 * keyfile.h — reading a private key file, in a key process only (see
 * privsep.h): opened once and checked on the open descriptor (no
 * check-then-open race), a regular file of bounded size, and, for the
 * verdict signing key, refused when anyone but its owner may access it.
 */
#ifndef PC_KEYFILE_H
#define PC_KEYFILE_H

#include <stddef.h>

/* The bytes of path (malloc'd, NUL after them) in *out and *len. what
 * names the key in messages ("signing key"). owner_only: refuse a mode
 * with any group or other bit. -1 with a message (the path and what is
 * wrong, never a byte of the file) in err. */
int pc_keyfile_read(const char *path, const char *what, int owner_only, size_t max, char **out,
                    size_t *len, char *err, size_t errlen);
/* Wipe and free what pc_keyfile_read returned. */
void pc_keyfile_free(char *buf, size_t len);

#endif

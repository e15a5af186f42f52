/*
 * malloctune.c — see pcx.h (pc_malloc_tune).
 */
#include "pcx.h"
#ifdef __GLIBC__
#include <malloc.h>
#endif

void pc_malloc_tune(void)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
    /* glibc maps a block of its mmap threshold or more and unmaps it when
     * it is freed, but by default it raises the threshold to the size of
     * the largest mapped block freed (up to 32 MiB): once a scan worker
     * frees one 4 MiB buffer (a file held whole, a decoder's window),
     * every later one comes from the worker's heap and stays there as
     * holes between the layer facts built after it. Measured on the bench's
     * large image (two workers): 30.7 MB held by malloc after the fs view
     * was built, 16.3 MB of it in use; with the threshold fixed, 18.3 MB
     * held for the same 16.3 in use, at the same CPU. Setting it also
     * fixes the trim threshold (twice it). Under AddressSanitizer, or
     * another allocator, mallopt changes nothing that is used. */
    (void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

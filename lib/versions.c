/*
 * versions.c — pc_versions (portcullis.h): the libraries this build
 * reads images with, as `portcullis version` and the webhook's build
 * information report them. Run-time versions where the library says
 * (curl, OpenSSL, zstd, zlib, xz, bzip2, lz4), build-time ones otherwise;
 * and pc_reader_id, the digest of the library's sources (the Makefile's
 * $(B)/gen/readerid.h).
 */
#include <bzlib.h>
#include <curl/curl.h>
#include <jansson.h>
#include <lz4.h>
#include <lzma.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <yara/libyara.h>
#include <zlib.h>
#include <zstd.h>
#ifdef PC_HAVE_ISAL
#include <isa-l.h>
#endif
#include "portcullis.h"
#include "readerid.h"

const char *pc_reader_id(void)
{
    return PC_READER_ID;
}

void pc_versions(char *buf, size_t n)
{
    char isal[32] = "none (zlib inflates)";
#ifdef PC_HAVE_ISAL
    snprintf(isal, sizeof isal, "%d.%d.%d", ISAL_MAJOR_VERSION, ISAL_MINOR_VERSION,
             ISAL_PATCH_VERSION);
#endif
    curl_version_info_data *c = curl_version_info(CURLVERSION_NOW);
    const char *bz = BZ2_bzlibVersion(); /* "1.0.8, 13-Jul-2019": the number */
    snprintf(
        buf, n,
        "yara %s, curl %s, %s, jansson %s, zstd %s, zlib %s, isa-l %s, xz %s, bzip2 %.*s, lz4 %s",
        YR_VERSION, c && c->version ? c->version : "?", OpenSSL_version(OPENSSL_VERSION),
        JANSSON_VERSION, ZSTD_versionString(), zlibVersion(), isal, lzma_version_string(),
        (int)strcspn(bz, ","), bz, LZ4_versionString());
}

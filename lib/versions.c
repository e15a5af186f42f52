/*
 * versions.c — pc_versions (portcullis.h): the libraries this build
 * reads images with, as `portcullis version` and the webhook's build
 * information report them. Run-time versions where the library says
 * (curl, OpenSSL, zstd, zlib), build-time ones otherwise.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <yara/libyara.h>
#include <zlib.h>
#include <zstd.h>
#ifdef PC_HAVE_ISAL
#include <isa-l.h>
#endif
#include "portcullis.h"

void pc_versions(char *buf, size_t n)
{
    char isal[32] = "none (zlib inflates)";
#ifdef PC_HAVE_ISAL
    snprintf(isal, sizeof isal, "%d.%d.%d", ISAL_MAJOR_VERSION, ISAL_MINOR_VERSION,
             ISAL_PATCH_VERSION);
#endif
    curl_version_info_data *c = curl_version_info(CURLVERSION_NOW);
    snprintf(buf, n, "yara %s, curl %s, %s, jansson %s, zstd %s, zlib %s, isa-l %s", YR_VERSION,
             c && c->version ? c->version : "?", OpenSSL_version(OPENSSL_VERSION), JANSSON_VERSION,
             ZSTD_versionString(), zlibVersion(), isal);
}

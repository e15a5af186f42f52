/*
 * redisconn.h — one connection to a Redis server, in plain TCP
 * (redis://) or TLS (rediss://), for webhook/redis.c: commands are
 * written in the Redis protocol by hiredis (redisFormatCommandArgv,
 * redisvFormatCommand) and replies parsed by hiredis's reader, so callers
 * keep working with redisReply; the socket, TLS, timeouts and limits are
 * ours (Debian bookworm's hiredis 0.14 has no TLS).
 *
 * Every step is bounded: connecting (and the TLS handshake) by the
 * timeout, each command (writing it and reading the whole reply) by the
 * timeout again, and a reply by max_reply bytes; a longer reply, an array
 * of more than WH_REDISCONN_MAX_ELEMENTS, a protocol error, a TLS error or
 * a timeout is an error, after which the connection is unusable (free it
 * and open another). Messages never hold a password or a command's
 * arguments.
 */
#ifndef WH_REDISCONN_H
#define WH_REDISCONN_H

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define WH_REDISCONN_MAX_ELEMENTS 65536

typedef struct wh_redisconn_cfg {
    const char *host;      /* name or address literal */
    int port;              /* 1 to 65535 */
    int tls;               /* 1: TLS, the server certificate checked for host */
    const char *ca_file;   /* the CAs trusted for the server; NULL: the system's store */
    const char *cert_file; /* client certificate (PEM, with its chain), or NULL */
    const char *key_file;  /* its private key (PEM); with cert_file only */
    uint64_t timeout_ms;   /* connect + handshake, and each command */
    size_t max_reply;      /* the largest reply, in bytes */
} wh_redisconn_cfg;

typedef struct wh_redisconn wh_redisconn;

/* Load cfg's TLS files as a connection would (a CA file holding no
 * certificate, an empty system store, a client certificate that does not
 * load or match its key): for the start, so a rediss:// that can never
 * work is an error then rather than a Redis that is always down. 0, or
 * -1 with a message naming the flag and file. Nothing to check for TCP. */
int wh_redisconn_check(const wh_redisconn_cfg *cfg, char *err, size_t errlen);
/* Connect to cfg->host:port (and handshake). The TLS files are read again
 * on every connection, so a renewed certificate is used from the next
 * reconnect. cfg is copied (its strings are not: they must outlive the
 * connection). 0, or -1 with a message. */
int wh_redisconn_open(const wh_redisconn_cfg *cfg, wh_redisconn **out, char *err, size_t errlen);
/* Send a command already in the Redis protocol (cmd, len bytes) and read
 * its reply (*reply: the caller frees it with freeReplyObject; an error
 * reply is a reply). 0, or -1 with a message: the connection is then
 * unusable. */
int wh_redisconn_run(wh_redisconn *c, const char *cmd, size_t len, redisReply **reply, char *err,
                     size_t errlen);
/* The same, the command made of argc arguments (redisFormatCommandArgv). */
int wh_redisconn_argv(wh_redisconn *c, int argc, const char **argv, const size_t *argvlen,
                      redisReply **reply, char *err, size_t errlen);
/* The same with a hiredis format (%s, %b, %d, %llu ...). */
int wh_redisconn_vcommand(wh_redisconn *c, redisReply **reply, char *err, size_t errlen,
                          const char *fmt, va_list ap);
void wh_redisconn_free(wh_redisconn *c);

/* A plain connection over fd, already connected (the socket pc-redis
 * relays: redisd.h); cfg->tls must be 0. fd is the connection's from now
 * on, even on failure. 0, or -1 with a message. */
int wh_redisconn_adopt(int fd, const wh_redisconn_cfg *cfg, wh_redisconn **out, char *err,
                       size_t errlen);

/* For a relay (redisd_proc.c): the socket to poll, whether TLS holds
 * bytes already read (poll would not see them), and the connection's
 * bytes as they are. wh_redisconn_recv tries once: >0 bytes, 0 when none
 * are there yet (TLS may have read a record that carries no data), -1 on
 * an error or the end of the stream. wh_redisconn_send writes them all
 * within the timeout. */
int wh_redisconn_fd(const wh_redisconn *c);
int wh_redisconn_pending(const wh_redisconn *c);
long wh_redisconn_recv(wh_redisconn *c, char *buf, size_t cap, char *err, size_t errlen);
int wh_redisconn_send(wh_redisconn *c, const char *p, size_t len, char *err, size_t errlen);

#endif

#ifndef RELANCE_CETPAN_SHIM_H
#define RELANCE_CETPAN_SHIM_H
// libetpan (Debian libetpan-dev, built with GnuTLS) for relanced's IMAP source.
//
// libetpan's mailimap API is blocking: one session belongs to one thread (relanced runs
// each on its own), except relance_imap_wake, which any thread may call. Fetch results are
// walked here, in C, and handed to Swift as plain arrays and bytes.
//
// Build note: SwiftPM does not track this header as a dependency of the Swift module
// that inlines it; after editing it, touch Sources/RelanceIMAP/EtPanIMAPClient.swift.
//
// Certificates: Debian's libetpan uses GnuTLS, whose mailstream_ssl_set_server_certicate
// is "not implemented" (mailstream_ssl.c, 1.9.4): libetpan does NOT verify the server.
// relance_imap_open therefore verifies the peer's chain itself, right after the
// handshake and before any credential is sent, with GnuTLS's trust list (the system
// store, or the configured CA file) and the configured host name.
#include <libetpan/libetpan.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/// What a call came to; the message is in `relance_imap.error`.
enum relance_imap_result {
    RELANCE_IMAP_OK = 0,
    /// No TCP connection, or it broke (reconnect later).
    RELANCE_IMAP_CONNECTION = 1,
    /// TLS failed, or the certificate is not trusted for the host.
    RELANCE_IMAP_TLS = 2,
    /// The server answered something unexpected (BAD, a parse error).
    RELANCE_IMAP_PROTOCOL = 3,
    /// LOGIN refused: wrong user or password.
    RELANCE_IMAP_AUTHENTICATION = 4,
    /// SELECT refused: no such folder.
    RELANCE_IMAP_FOLDER = 5,
};

/// relance_imap_idle_wait's answers.
enum relance_imap_wait {
    RELANCE_IMAP_WAIT_TIMEOUT = 0,
    /// The server sent something (a new message, an expunge, a flag change, BYE).
    RELANCE_IMAP_WAIT_DATA = 1,
    /// relance_imap_wake was called.
    RELANCE_IMAP_WAIT_WOKEN = 2,
    RELANCE_IMAP_WAIT_ERROR = -1,
};

typedef struct relance_imap {
    mailimap *imap;
    /// An eventfd: relance_imap_wake makes it readable, ending a wait.
    int wake_fd;
    /// A duplicate of the connection's socket, owned here (closed by relance_imap_free
    /// only): relance_imap_abort shuts the socket down through it from another thread,
    /// with no risk of reaching a descriptor number libetpan closed and the process
    /// reused. -1 before the connection. Atomic: written by the session's thread.
    int abort_fd;
    /// Set by relance_imap_abort: a connection made afterwards is cut at once.
    int aborted;
    /// TCP keepalive (seconds, seconds, probes): a peer that vanished without a word
    /// (no FIN, no RST) is noticed after idle + interval × count, not at the next IDLE
    /// renewal. 0 leaves the system's.
    int keepalive_idle, keepalive_interval, keepalive_count;
    char error[512];
} relance_imap;

static inline void relance_imap_set_error(relance_imap *s, const char *what, int code) {
    const char *said = (s->imap != NULL && s->imap->imap_response != NULL) ? s->imap->imap_response : NULL;
    if (said != NULL && said[0] != '\0')
        snprintf(s->error, sizeof s->error, "%s (libetpan error %d; the server said: %s)", what, code, said);
    else
        snprintf(s->error, sizeof s->error, "%s (libetpan error %d)", what, code);
}

/// A new session; `timeout_seconds` bounds each network read and write outside IDLE.
static inline relance_imap *relance_imap_new(long timeout_seconds) {
    relance_imap *s = (relance_imap *)calloc(1, sizeof(relance_imap));
    if (s == NULL) return NULL;
    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->imap = mailimap_new(0, NULL);
    if (s->imap == NULL || s->wake_fd < 0) {
        if (s->imap != NULL) mailimap_free(s->imap);
        if (s->wake_fd >= 0) close(s->wake_fd);
        free(s);
        return NULL;
    }
    mailimap_set_timeout(s->imap, (time_t)timeout_seconds);
    s->abort_fd = -1;
    return s;
}

/// The keepalive applied to the next connection (see `relance_imap.keepalive_idle`).
static inline void relance_imap_set_keepalive(relance_imap *s, int idle, int interval, int count) {
    s->keepalive_idle = idle; s->keepalive_interval = interval; s->keepalive_count = count;
}

/// Closes the connection (if any) and frees everything.
static inline void relance_imap_free(relance_imap *s) {
    if (s == NULL) return;
    mailimap_free(s->imap);
    close(s->wake_fd);
    int abort_fd = __atomic_load_n(&s->abort_fd, __ATOMIC_SEQ_CST);
    if (abort_fd >= 0) close(abort_fd);
    free(s);
}

/// Cuts the connection from any thread: a command blocked on the network (a server that
/// stopped answering) fails at once instead of after the timeout. For shutdown only; the
/// session is good for nothing but relance_imap_drop and relance_imap_free afterwards.
static inline void relance_imap_abort(relance_imap *s) {
    __atomic_store_n(&s->aborted, 1, __ATOMIC_SEQ_CST);
    int fd = __atomic_load_n(&s->abort_fd, __ATOMIC_SEQ_CST);
    if (fd >= 0) shutdown(fd, SHUT_RDWR);
}

/// After the TCP connection is made: keepalive on its socket, and the duplicate
/// relance_imap_abort uses. Returns 0, or -1 with the error set.
static inline int relance_imap_tune_socket(relance_imap *s) {
    int fd = mailstream_low_get_fd(mailstream_get_low(s->imap->imap_stream));
    if (fd < 0) { snprintf(s->error, sizeof s->error, "the connection has no socket"); return -1; }
    if (s->keepalive_idle > 0 && s->keepalive_interval > 0 && s->keepalive_count > 0) {
        int on = 1;
        // Unacknowledged data is given up on after as long as a silent peer is.
        unsigned int user_timeout = (unsigned int)(s->keepalive_idle + s->keepalive_interval * s->keepalive_count) * 1000u;
        if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0
            || setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &s->keepalive_idle, sizeof s->keepalive_idle) != 0
            || setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &s->keepalive_interval, sizeof s->keepalive_interval) != 0
            || setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &s->keepalive_count, sizeof s->keepalive_count) != 0
            || setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout) != 0) {
            snprintf(s->error, sizeof s->error, "cannot set TCP keepalive on the connection: %s", strerror(errno));
            return -1;
        }
    }
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) { snprintf(s->error, sizeof s->error, "cannot duplicate the connection's socket: %s", strerror(errno)); return -1; }
    __atomic_store_n(&s->abort_fd, copy, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&s->aborted, __ATOMIC_SEQ_CST)) shutdown(copy, SHUT_RDWR);
    return 0;
}

/// Ends a relance_imap_idle_wait or relance_imap_sleep under way (or the next one): from any thread.
static inline void relance_imap_wake(relance_imap *s) {
    uint64_t one = 1;
    ssize_t written = write(s->wake_fd, &one, sizeof one);
    (void)written;
}

static inline int relance_host_is_ip(const char *host) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, host, buffer) == 1 || inet_pton(AF_INET6, host, buffer) == 1;
}

/// SNI for a host name (never for an address literal: RFC 6066 §3).
static inline void relance_imap_tls_callback(struct mailstream_ssl_context *context, void *data) {
    const char *host = (const char *)data;
    if (host != NULL && !relance_host_is_ip(host)) mailstream_ssl_set_server_name(context, (char *)host);
}

/// Verifies the peer's certificate chain for `host` against `ca_file` (PEM), or the
/// system's trusted authorities when it is NULL.
static inline int relance_imap_verify_peer(relance_imap *s, const char *host, const char *ca_file) {
    carray *chain = mailstream_get_certificate_chain(s->imap->imap_stream);
    if (chain == NULL || carray_count(chain) == 0) {
        if (chain != NULL) mailstream_certificate_chain_free(chain);
        snprintf(s->error, sizeof s->error, "the server sent no certificate");
        return RELANCE_IMAP_TLS;
    }
    unsigned count = carray_count(chain);
    if (count > 16) count = 16;
    gnutls_x509_crt_t certificates[16];
    unsigned imported = 0;
    int result = RELANCE_IMAP_TLS;
    gnutls_x509_trust_list_t trust = NULL;
    for (unsigned i = 0; i < count; i++) {
        MMAPString *der = (MMAPString *)carray_get(chain, i);
        gnutls_datum_t datum = { (unsigned char *)der->str, (unsigned int)der->len };
        if (gnutls_x509_crt_init(&certificates[imported]) < 0) break;
        if (gnutls_x509_crt_import(certificates[imported], &datum, GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(certificates[imported]);
            break;
        }
        imported++;
    }
    if (imported == 0) {
        snprintf(s->error, sizeof s->error, "the server's certificate could not be read");
        goto done;
    }
    if (gnutls_x509_trust_list_init(&trust, 0) < 0) {
        snprintf(s->error, sizeof s->error, "GnuTLS could not make a trust list");
        goto done;
    }
    if (ca_file != NULL) {
        int added = gnutls_x509_trust_list_add_trust_file(trust, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
        if (added <= 0) {
            snprintf(s->error, sizeof s->error, "no certificate could be read from ca_file %s (%s)", ca_file,
                     added < 0 ? gnutls_strerror(added) : "none found");
            goto done;
        }
    } else if (gnutls_x509_trust_list_add_system_trust(trust, 0, 0) <= 0) {
        snprintf(s->error, sizeof s->error, "no trusted certificate authority on this system: install ca-certificates, or set ca_file");
        goto done;
    }
    {
        gnutls_typed_vdata_st checks[2];
        memset(checks, 0, sizeof checks);
        checks[0].type = GNUTLS_DT_DNS_HOSTNAME;
        checks[0].data = (unsigned char *)host;
        checks[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
        checks[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
        unsigned status = 0;
        int verified = gnutls_x509_trust_list_verify_crt2(trust, certificates, imported, checks, 2, 0, &status, NULL);
        if (verified < 0) {
            snprintf(s->error, sizeof s->error, "the certificate could not be verified: %s", gnutls_strerror(verified));
            goto done;
        }
        if (status != 0) {
            gnutls_datum_t text = { NULL, 0 };
            if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) >= 0 && text.data != NULL) {
                snprintf(s->error, sizeof s->error, "the server's certificate is not trusted for %s: %s", host, (const char *)text.data);
                gnutls_free(text.data);
            } else {
                snprintf(s->error, sizeof s->error, "the server's certificate is not trusted for %s", host);
            }
            goto done;
        }
    }
    result = RELANCE_IMAP_OK;
done:
    if (trust != NULL) gnutls_x509_trust_list_deinit(trust, 1);
    for (unsigned i = 0; i < imported; i++) gnutls_x509_crt_deinit(certificates[i]);
    mailstream_certificate_chain_free(chain);
    return result;
}

/// Connects with TLS — implicit (`starttls` 0, imaps) or after STARTTLS (`starttls` 1;
/// never in the clear if the server does not offer it) — and verifies the certificate
/// before anything else is sent.
static inline int relance_imap_open(relance_imap *s, const char *host, uint16_t port, int starttls, const char *ca_file) {
    int r;
    if (starttls) {
        r = mailimap_socket_connect(s->imap, host, port);
        if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
            relance_imap_set_error(s, "cannot connect", r);
            return RELANCE_IMAP_CONNECTION;
        }
        if (relance_imap_tune_socket(s) != 0) return RELANCE_IMAP_CONNECTION;
        r = mailimap_socket_starttls_with_callback(s->imap, relance_imap_tls_callback, (void *)host);
        if (r != MAILIMAP_NO_ERROR) {
            relance_imap_set_error(s, "STARTTLS failed (the server must offer it: relanced never logs in without TLS)", r);
            return RELANCE_IMAP_TLS;
        }
    } else {
        r = mailimap_ssl_connect_with_callback(s->imap, host, port, relance_imap_tls_callback, (void *)host);
        if (r == MAILIMAP_ERROR_SSL) {
            relance_imap_set_error(s, "the TLS handshake failed", r);
            return RELANCE_IMAP_TLS;
        }
        if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
            relance_imap_set_error(s, "cannot connect", r);
            return RELANCE_IMAP_CONNECTION;
        }
        if (relance_imap_tune_socket(s) != 0) return RELANCE_IMAP_CONNECTION;
    }
    return relance_imap_verify_peer(s, host, ca_file);
}

static inline int relance_imap_failure(relance_imap *s, const char *what, int r) {
    switch (r) {
    case MAILIMAP_ERROR_STREAM: case MAILIMAP_ERROR_CONNECTION_REFUSED: case MAILIMAP_ERROR_BAD_STATE:
        // No answer came: the last one the server gave belongs to an earlier command.
        snprintf(s->error, sizeof s->error, "%s: the connection broke (libetpan error %d)", what, r);
        return RELANCE_IMAP_CONNECTION;
    default:
        relance_imap_set_error(s, what, r);
        return RELANCE_IMAP_PROTOCOL;
    }
}

/// LOGIN; RELANCE_IMAP_AUTHENTICATION when the server refuses the credentials.
static inline int relance_imap_login(relance_imap *s, const char *user, const char *password) {
    int r = mailimap_login(s->imap, user, password);
    if (r == MAILIMAP_NO_ERROR) return RELANCE_IMAP_OK;
    if (r == MAILIMAP_ERROR_LOGIN) {
        relance_imap_set_error(s, "the server refused the user name or password", r);
        return RELANCE_IMAP_AUTHENTICATION;
    }
    return relance_imap_failure(s, "LOGIN failed", r);
}

/// 1 when the server announces IDLE (RFC 2177), after asking for its capabilities.
static inline int relance_imap_has_idle(relance_imap *s) {
    struct mailimap_capability_data *capabilities = NULL;
    if (mailimap_capability(s->imap, &capabilities) == MAILIMAP_NO_ERROR && capabilities != NULL)
        mailimap_capability_data_free(capabilities);
    return mailimap_has_idle(s->imap);
}

/// SELECT (EXAMINE: read-only, so \Seen flags are never touched); the folder's
/// UIDVALIDITY, UIDNEXT (0 when the server gave none) and message count.
static inline int relance_imap_select(relance_imap *s, const char *folder, uint32_t *uid_validity,
                                      uint32_t *uid_next, uint32_t *exists) {
    int r = mailimap_examine(s->imap, folder);
    if (r == MAILIMAP_ERROR_EXAMINE) {
        relance_imap_set_error(s, "no such folder", r);
        return RELANCE_IMAP_FOLDER;
    }
    if (r != MAILIMAP_NO_ERROR) return relance_imap_failure(s, "EXAMINE failed", r);
    *uid_validity = s->imap->imap_selection_info->sel_uidvalidity;
    *uid_next = s->imap->imap_selection_info->sel_uidnext;
    *exists = s->imap->imap_selection_info->sel_exists;
    return RELANCE_IMAP_OK;
}

/// Seconds since the epoch, UTC, of an IMAP date-time ("+hhmm" zone).
static inline int64_t relance_imap_epoch(const struct mailimap_date_time *date) {
    struct tm parts;
    memset(&parts, 0, sizeof parts);
    parts.tm_year = date->dt_year - 1900;
    parts.tm_mon = date->dt_month - 1;
    parts.tm_mday = date->dt_day;
    parts.tm_hour = date->dt_hour;
    parts.tm_min = date->dt_min;
    parts.tm_sec = date->dt_sec;
    int zone = date->dt_zone < 0 ? -date->dt_zone : date->dt_zone;
    int64_t offset = (int64_t)(zone / 100) * 3600 + (int64_t)(zone % 100) * 60;
    return (int64_t)timegm(&parts) - (date->dt_zone < 0 ? -offset : offset);
}

/// UID FETCH after+1:* (UID INTERNALDATE): the UIDs the server lists (it may list the
/// last message even when its UID is not above `after`: the caller filters) and their
/// internal dates. Arrays are malloc'ed; the caller frees them.
static inline int relance_imap_list_uids(relance_imap *s, uint32_t after, uint32_t **uids, int64_t **dates, size_t *count) {
    *uids = NULL; *dates = NULL; *count = 0;
    struct mailimap_set *set = mailimap_set_new_interval(after + 1, 0);
    struct mailimap_fetch_type *type = mailimap_fetch_type_new_fetch_att_list_empty();
    mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid());
    mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_internaldate());
    clist *result = NULL;
    int r = mailimap_uid_fetch(s->imap, set, type, &result);
    mailimap_fetch_type_free(type);
    mailimap_set_free(set);
    if (r != MAILIMAP_NO_ERROR) return relance_imap_failure(s, "UID FETCH (list) failed", r);
    size_t capacity = clist_count(result);
    *uids = (uint32_t *)calloc(capacity + 1, sizeof(uint32_t));
    *dates = (int64_t *)calloc(capacity + 1, sizeof(int64_t));
    if (*uids == NULL || *dates == NULL) {
        free(*uids); free(*dates); *uids = NULL; *dates = NULL;
        mailimap_fetch_list_free(result);
        snprintf(s->error, sizeof s->error, "out of memory");
        return RELANCE_IMAP_PROTOCOL;
    }
    for (clistiter *it = clist_begin(result); it != NULL; it = clist_next(it)) {
        struct mailimap_msg_att *message = (struct mailimap_msg_att *)clist_content(it);
        uint32_t uid = 0; int64_t date = 0;
        for (clistiter *at = clist_begin(message->att_list); at != NULL; at = clist_next(at)) {
            struct mailimap_msg_att_item *item = (struct mailimap_msg_att_item *)clist_content(at);
            if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC) continue;
            struct mailimap_msg_att_static *att = item->att_data.att_static;
            if (att->att_type == MAILIMAP_MSG_ATT_UID) uid = att->att_data.att_uid;
            else if (att->att_type == MAILIMAP_MSG_ATT_INTERNALDATE && att->att_data.att_internal_date != NULL)
                date = relance_imap_epoch(att->att_data.att_internal_date);
        }
        if (uid == 0) continue;
        (*uids)[*count] = uid; (*dates)[*count] = date; (*count)++;
    }
    mailimap_fetch_list_free(result);
    return RELANCE_IMAP_OK;
}

/// UID FETCH uid BODY.PEEK[HEADER]<0.limit> (`text` 0) or BODY.PEEK[TEXT]<0.limit>
/// (`text` 1): PEEK, so the message stays unread. `*data` is malloc'ed (NULL with a zero
/// length when the message is gone); the caller frees it.
static inline int relance_imap_fetch_part(relance_imap *s, uint32_t uid, int text, uint32_t limit, char **data, size_t *length) {
    *data = NULL; *length = 0;
    struct mailimap_set *set = mailimap_set_new_single(uid);
    struct mailimap_section *section = text ? mailimap_section_new_text() : mailimap_section_new_header();
    struct mailimap_fetch_type *type = mailimap_fetch_type_new_fetch_att_list_empty();
    mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid());
    mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_body_peek_section_partial(section, 0, limit));
    clist *result = NULL;
    int r = mailimap_uid_fetch(s->imap, set, type, &result);
    mailimap_fetch_type_free(type);
    mailimap_set_free(set);
    if (r != MAILIMAP_NO_ERROR) return relance_imap_failure(s, "UID FETCH (message) failed", r);
    for (clistiter *it = clist_begin(result); it != NULL && *data == NULL; it = clist_next(it)) {
        struct mailimap_msg_att *message = (struct mailimap_msg_att *)clist_content(it);
        uint32_t found_uid = 0; const char *part = NULL; size_t part_length = 0;
        for (clistiter *at = clist_begin(message->att_list); at != NULL; at = clist_next(at)) {
            struct mailimap_msg_att_item *item = (struct mailimap_msg_att_item *)clist_content(at);
            if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC) continue;
            struct mailimap_msg_att_static *att = item->att_data.att_static;
            if (att->att_type == MAILIMAP_MSG_ATT_UID) found_uid = att->att_data.att_uid;
            else if (att->att_type == MAILIMAP_MSG_ATT_BODY_SECTION && att->att_data.att_body_section != NULL) {
                part = att->att_data.att_body_section->sec_body_part;
                part_length = att->att_data.att_body_section->sec_length;
            }
        }
        if (found_uid != uid) continue;
        if (part_length > limit) part_length = limit;
        *data = (char *)malloc(part_length + 1);
        if (*data == NULL) break;
        if (part != NULL && part_length > 0) memcpy(*data, part, part_length);
        (*data)[part_length] = '\0';
        *length = part_length;
    }
    mailimap_fetch_list_free(result);
    return RELANCE_IMAP_OK;
}

/// Enters IDLE (RFC 2177).
static inline int relance_imap_idle_start(relance_imap *s) {
    int r = mailimap_idle(s->imap);
    if (r != MAILIMAP_NO_ERROR) return relance_imap_failure(s, "IDLE failed", r);
    return RELANCE_IMAP_OK;
}

/// Waits in IDLE until the server sends news, relance_imap_wake is called, or
/// `timeout_ms` pass (-1: no limit): poll(2) and nothing else, so no wake-up but these.
/// An untagged "* OK …" is a keep-alive (Dovecot says "Still here" every 2 minutes):
/// read and passed over without leaving IDLE. Anything else (EXISTS, EXPUNGE, FETCH,
/// BYE) is news; its line is consumed here, and DONE reads the rest.
static inline int relance_imap_idle_wait(relance_imap *s, int timeout_ms) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        // Bytes libetpan already holds are read before waiting for more.
        if (s->imap->imap_stream == NULL || s->imap->imap_stream->read_buffer_len == 0) {
            int remaining = timeout_ms;
            if (timeout_ms >= 0) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                long long elapsed = (long long)(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (elapsed >= timeout_ms) return RELANCE_IMAP_WAIT_TIMEOUT;
                remaining = (int)(timeout_ms - elapsed);
            }
            struct pollfd fds[2];
            fds[0].fd = mailimap_idle_get_fd(s->imap); fds[0].events = POLLIN; fds[0].revents = 0;
            fds[1].fd = s->wake_fd; fds[1].events = POLLIN; fds[1].revents = 0;
            int r = poll(fds, 2, remaining);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) { snprintf(s->error, sizeof s->error, "poll: %s", strerror(errno)); return RELANCE_IMAP_WAIT_ERROR; }
            if (r == 0) return RELANCE_IMAP_WAIT_TIMEOUT;
            if (fds[1].revents & POLLIN) {
                uint64_t value;
                ssize_t n = read(s->wake_fd, &value, sizeof value);
                (void)n;
                return RELANCE_IMAP_WAIT_WOKEN;
            }
        }
        char *line = mailimap_read_line(s->imap);
        if (line == NULL) {
            snprintf(s->error, sizeof s->error, "the server closed the connection during IDLE");
            return RELANCE_IMAP_WAIT_ERROR;
        }
        if (strncasecmp(line, "* OK", 4) != 0) return RELANCE_IMAP_WAIT_DATA;
    }
}

/// Leaves IDLE (DONE) and reads the server's answer.
static inline int relance_imap_idle_done(relance_imap *s) {
    int r = mailimap_idle_done(s->imap);
    if (r != MAILIMAP_NO_ERROR) return relance_imap_failure(s, "leaving IDLE failed", r);
    return RELANCE_IMAP_OK;
}

/// Waits without IDLE (a server without it): until woken or `timeout_ms` pass.
/// Returns RELANCE_IMAP_WAIT_WOKEN or RELANCE_IMAP_WAIT_TIMEOUT.
static inline int relance_imap_sleep(relance_imap *s, int timeout_ms) {
    struct pollfd fd = { s->wake_fd, POLLIN, 0 };
    for (;;) {
        int r = poll(&fd, 1, timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r > 0) { uint64_t value; ssize_t n = read(s->wake_fd, &value, sizeof value); (void)n; return RELANCE_IMAP_WAIT_WOKEN; }
        return RELANCE_IMAP_WAIT_TIMEOUT;
    }
}

/// NOOP: asks the server for news (used without IDLE).
static inline int relance_imap_noop(relance_imap *s) {
    int r = mailimap_noop(s->imap);
    if (r != MAILIMAP_NO_ERROR) return relance_imap_failure(s, "NOOP failed", r);
    return RELANCE_IMAP_OK;
}

/// LOGOUT, best effort, on a connection that works (mailimap_logout writes to the
/// stream without checking it exists, and waits for an answer a broken one never gives).
static inline void relance_imap_logout(relance_imap *s) {
    if (s->imap->imap_stream != NULL) (void)mailimap_logout(s->imap);
}

/// Closes the connection without a word (after a failure): mailimap_free would try
/// LOGOUT on it otherwise.
static inline void relance_imap_drop(relance_imap *s) {
    if (s->imap->imap_stream != NULL) {
        mailstream_close(s->imap->imap_stream);
        s->imap->imap_stream = NULL;
        s->imap->imap_state = MAILIMAP_STATE_DISCONNECTED;
    }
}

#endif

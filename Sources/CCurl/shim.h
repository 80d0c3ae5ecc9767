#ifndef RELANCE_CCURL_SHIM_H
#define RELANCE_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call. One
// typed wrapper per argument kind the SMTP transport needs; each passes its argument
// through unchanged, so curl sees exactly the C type its documentation asks for
// (a `long`, not an `int`, for numeric options: curl reads it with va_arg(long)).

/// curl_global_init(CURL_GLOBAL_DEFAULT): the flag is a macro expression Swift does not import.
static inline CURLcode relance_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

static inline CURLcode relance_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/// Strings are copied by curl (since 7.17.0), so the caller's buffer may go away after.
static inline CURLcode relance_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/// Opaque user data (CURLOPT_READDATA, CURLOPT_HEADERDATA, CURLOPT_XFERINFODATA) and
/// CURLOPT_ERRORBUFFER (a char buffer of at least CURL_ERROR_SIZE bytes).
static inline CURLcode relance_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPT_MAIL_RCPT: curl does NOT copy the list; it must outlive curl_easy_perform.
static inline CURLcode relance_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode relance_curl_setopt_read_function(CURL *handle, curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

/// CURLOPT_HEADERFUNCTION: for SMTP curl hands each server response line to it.
static inline CURLcode relance_curl_setopt_header_function(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

/// CURLOPT_XFERINFOFUNCTION: returning non-zero aborts the transfer (task cancellation).
static inline CURLcode relance_curl_setopt_xferinfo_function(CURL *handle, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode relance_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif

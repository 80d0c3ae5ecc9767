// memfd_create(2) for Swift: Glibc's module map declares it only under _GNU_SOURCE.
#pragma once

/// An anonymous, close-on-exec in-memory file (memfd_create(name, MFD_CLOEXEC)); -1 and
/// errno on failure.
int relance_memfd_cloexec(const char *name);

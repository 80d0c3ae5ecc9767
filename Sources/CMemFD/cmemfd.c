// Compiled apart from the Swift modules, so _GNU_SOURCE here reaches <sys/mman.h>.
#define _GNU_SOURCE
#include <sys/mman.h>
#include "cmemfd.h"

int relance_memfd_cloexec(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}

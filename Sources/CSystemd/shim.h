#ifndef RELANCE_CSYSTEMD_SHIM_H
#define RELANCE_CSYSTEMD_SHIM_H

// Without this, sd_journal_sendv is a macro that adds CODE_FILE/LINE/FUNC of the C
// caller, which Swift cannot call; we send our own CODE_* fields instead.
#define SD_JOURNAL_SUPPRESS_LOCATION 1

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>

#endif

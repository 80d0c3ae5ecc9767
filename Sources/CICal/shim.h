#ifndef RELANCE_CICAL_SHIM_H
#define RELANCE_CICAL_SHIM_H
#include <libical/ical.h>
#endif

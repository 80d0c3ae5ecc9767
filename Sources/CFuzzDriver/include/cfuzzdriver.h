#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>

typedef int (*relance_fuzz_callback)(const uint8_t *data, size_t size);

/// True when libFuzzer is linked in (a `swift build -sanitize=fuzzer` build).
int relance_fuzzer_linked(void);

/// Hands control to libFuzzer (LLVMFuzzerRunDriver); only when `relance_fuzzer_linked`.
int relance_fuzzer_run(int *argc, char ***argv, relance_fuzz_callback callback);

#endif

#include "cfuzzdriver.h"

// libFuzzer's entry point for programs with a main of their own. Weak: in an ordinary
// build it is absent (null) and relance-fuzz replays files instead.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t))
    __attribute__((weak));

int relance_fuzzer_linked(void) { return LLVMFuzzerRunDriver != 0; }

int relance_fuzzer_run(int *argc, char ***argv, relance_fuzz_callback callback) {
    return LLVMFuzzerRunDriver(argc, argv, callback);
}

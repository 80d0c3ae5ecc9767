// timerfd(2) for Swift: Glibc's module map does not export <sys/timerfd.h>.
#pragma once
#include <sys/timerfd.h>
#include <time.h>

/// A non-blocking, close-on-exec timerfd on CLOCK_REALTIME.
static inline int relance_realtime_timerfd(void) {
    return timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
}

/// Arms `fd` at the absolute realtime instant `seconds`, cancelled whenever the clock
/// is set (TFD_TIMER_CANCEL_ON_SET: a read then fails with ECANCELED).
static inline int relance_arm_cancel_on_set(int fd, long long seconds) {
    struct itimerspec spec = {0};
    spec.it_value.tv_sec = (time_t)seconds;
    return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, NULL);
}

#include "sys/stop_signal.h"

namespace slotcheck::cli {

namespace {

volatile std::sig_atomic_t stop_signal = 0;

void record_stop(int signal) { stop_signal = signal; }

}  // namespace

StopOnSignal::StopOnSignal() {
    stop_signal = 0;
    struct sigaction stop {};
    stop.sa_handler = record_stop;
    sigemptyset(&stop.sa_mask);
    stop.sa_flags = SA_RESTART;
    sigaction(SIGINT, &stop, &previous_int_);
    sigaction(SIGTERM, &stop, &previous_term_);
}

StopOnSignal::~StopOnSignal() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
}

const volatile std::sig_atomic_t* StopOnSignal::flag() { return &stop_signal; }

}  // namespace slotcheck::cli

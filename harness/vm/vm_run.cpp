#include "harness/vm/vm_run.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <set>

#include "harness/event_log.h"
#include "sys/process.h"
#include "sys/unique_fd.h"

namespace slotcheck::vm {

SequenceRecord parse_begin_frame(const std::string& payload) {
    const auto nl = payload.find('\n');
    const std::string head = payload.substr(0, nl);
    const auto space = head.find(' ');
    SequenceRecord r;
    r.id = head.substr(0, space);
    r.label = space == std::string::npos ? "" : head.substr(space + 1);
    r.text = nl == std::string::npos ? "" : payload.substr(nl + 1);
    return r;
}

std::string vm_end_name(VmEnd e) {
    switch (e) {
    case VmEnd::Exited: return "exited";
    case VmEnd::Died: return "died";
    case VmEnd::Hung: return "hung";
    case VmEnd::TimedOut: return "timeout";
    case VmEnd::NoKvm: return "no-kvm";
    case VmEnd::StartFailed: return "start-failed";
    case VmEnd::Stopped: return "stopped";
    }
    return "?";
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Guest exit code the VM's init reports when /dev/kvm did not appear.
constexpr int kInitNoKvm = 126;
// The runner's own exit code when it killed qemu at its time limit.
constexpr int kRunnerTimeout = 124;
// Lines of console kept in memory for the end-of-run detail.
constexpr size_t kConsoleTail = 40;
// Sequences remembered after they ended, for a report that arrives just
// after its sequence (a warning printed while the VM is torn down).
constexpr size_t kFinishedKept = 8;

// Follows a file that qemu appends to.
class FileFollower {
public:
    explicit FileFollower(std::string path) : path_(std::move(path)) {}
    // Appends whatever is new to `out`; true when something was.
    bool read_new(std::string& out) {
        if (!fd_) fd_.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd_) return false;
        bool any = false;
        char buf[65536];
        for (;;) {
            ssize_t n = ::read(fd_.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            out.append(buf, static_cast<size_t>(n));
            any = true;
        }
        return any;
    }

private:
    std::string path_;
    UniqueFd fd_;
};

class Watch {
public:
    Watch(VmRunResult& result, Clock::time_point start, std::ofstream& console_log,
          const std::function<void(std::string_view)>& on_console)
        : result_(result), start_(start), console_log_(console_log), on_console_(on_console) {}

    void take_events(std::string& buffer) {
        std::string error;
        while (auto frame = frames::take_frame(buffer, event::kAll, error)) on_frame(std::move(*frame));
        if (!error.empty()) result_.errors.push_back("event channel: " + error);
    }

    void take_console(std::string& buffer, bool flush_partial) {
        size_t pos = 0;
        for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n', pos)) {
            on_console_line(std::string_view(buffer).substr(pos, nl - pos));
            pos = nl + 1;
        }
        buffer.erase(0, pos);
        if (flush_partial && !buffer.empty()) {
            on_console_line(buffer);
            buffer.clear();
        }
    }

    void finish() {
        // Reports keep growing after they begin: take their final text.
        for (size_t i = 0; i < result_.splats.size(); ++i) result_.splats[i].splat = scanner_.splats()[splat_indexes_[i]];
        if (!in_flight_.empty()) result_.in_flight_at_end = records_.at(in_flight_.back());
    }

    bool saw_trailer() const { return trailer_.has_value(); }
    // When the console last began a lockup-class report, if ever.
    std::optional<Clock::time_point> last_lockup() const { return last_lockup_; }
    int trailer() const { return trailer_.value_or(-1); }
    const std::deque<std::string>& tail() const { return tail_; }

private:
    void on_frame(frames::Frame f) {
        if (f.type == event::kBegin) {
            SequenceRecord r = parse_begin_frame(f.payload);
            if (result_.sequences_begun++ == 0) result_.boot_to_first_sequence_s = seconds_since(start_);
            in_flight_.push_back(r.id);
            records_[r.id] = std::move(r);
        } else if (f.type == event::kEnd) {
            const auto nl = f.payload.find('\n');
            const std::string head = f.payload.substr(0, nl);
            std::string verdict = nl == std::string::npos ? "" : f.payload.substr(nl + 1);
            auto space = head.find(' ');
            const std::string id = head.substr(0, space);
            const std::string status = space == std::string::npos ? "" : head.substr(space + 1);
            auto it = records_.find(id);
            result_.finished.push_back({it == records_.end() ? id : it->second.label, status, std::move(verdict)});
            std::erase(in_flight_, id);
            finished_.push_back(id);
            while (finished_.size() > kFinishedKept) {
                if (!referenced_.count(finished_.front())) records_.erase(finished_.front());
                finished_.pop_front();
            }
        } else {
            result_.events.push_back(std::move(f));
        }
    }

    void on_console_line(std::string_view raw) {
        std::string line(raw);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        console_log_ << line << '\n';
        if (on_console_) on_console_(line);
        tail_.push_back(line);
        if (tail_.size() > kConsoleTail) tail_.pop_front();
        const std::string_view text = SplatScanner::strip_prefix(line);
        if (text.rfind("SLOTCHECK-EXIT ", 0) == 0) {
            try {
                trailer_ = std::stoi(std::string(text.substr(15)));
            } catch (const std::exception&) {
            }
        }
        // The markers order sequences against the kernel's reports; the
        // event frames, which arrive first, carry their text.
        if (auto m = parse_kmsg_marker(text)) {
            if (m->begin) marker_open_.push_back(m->id);
            else std::erase(marker_open_, m->id);
            last_marker_ = m->id;
        }
        auto started = scanner_.feed(line);
        if (!started) return;
        SplatRecord record;
        record.splat = scanner_.splats()[*started];
        const SplatKind kind = record.splat.kind;
        if (kind == SplatKind::SoftLockup || kind == SplatKind::HungTask || kind == SplatKind::RcuStall)
            last_lockup_ = Clock::now();
        splat_indexes_.push_back(*started);
        const std::string* id =
            !marker_open_.empty() ? &marker_open_.back() : (last_marker_ ? &*last_marker_ : nullptr);
        record.culprit_in_flight = !marker_open_.empty();
        if (id) {
            auto it = records_.find(*id);
            if (it != records_.end()) {
                record.culprit = it->second;
                referenced_.insert(*id);
            }
        }
        result_.splats.push_back(std::move(record));
    }

    VmRunResult& result_;
    Clock::time_point start_;
    std::ofstream& console_log_;
    const std::function<void(std::string_view)>& on_console_;
    SplatScanner scanner_;
    std::map<std::string, SequenceRecord> records_;
    std::vector<std::string> in_flight_;     // by event frames
    std::vector<std::string> marker_open_;   // by kernel-log markers
    std::optional<std::string> last_marker_;
    std::deque<std::string> finished_;
    std::set<std::string> referenced_;
    std::deque<std::string> tail_;
    std::optional<int> trailer_;
    std::vector<size_t> splat_indexes_;  // result_.splats[i] is scanner_.splats()[splat_indexes_[i]]
    std::optional<Clock::time_point> last_lockup_;
};

}  // namespace

namespace {

// Starts the runner (sys/process.h: in its own process group, so the whole
// tree, qemu included, can be stopped at once) with its stdout, the
// console, on a pipe and its stderr in run.log.
ChildProcess start_runner(const VmSpec& spec, const std::string& events_path, int log_fd) {
    // Warnings (level 4) must reach the console, and the sequence markers
    // must not be rate limited.
    std::string append = "loglevel=7 printk.devkmsg=on";
    for (const auto& p : spec.kernel_params) append += " " + p;
    std::vector<std::string> args = {spec.runner,
                                     "--kernel", spec.kernel.bzimage,
                                     "--memory", std::to_string(spec.memory_mb),
                                     "--smp", std::to_string(spec.smp),
                                     "--accel", spec.accel,
                                     "--timeout", std::to_string(static_cast<long>(spec.time_limit_s) + 1),
                                     "--events", events_path,
                                     "--append", append};
    if (!spec.kernel.modules.empty()) {
        args.push_back("--modules");
        args.push_back(spec.kernel.modules);
    }
    for (const auto& p : spec.payloads) {
        args.push_back("--add");
        args.push_back(p);
    }
    args.push_back("--");
    args.insert(args.end(), spec.command.begin(), spec.command.end());
    SpawnOptions options;
    options.in = Stdio::null();
    options.out = Stdio::pipe();
    options.err = Stdio::to(log_fd);
    // As before: the runner stops qemu itself on its own --timeout.
    options.die_with_parent = false;
    return ChildProcess::exec(args, options);
}

// How long the runner has after SIGTERM to stop qemu and clean up before
// its whole group is killed.
constexpr std::chrono::seconds kRunnerStopGrace(10);

}  // namespace

VmRunResult run_vm(const VmSpec& spec, const std::function<void(std::string_view)>& on_console) {
    VmRunResult result;
    result.console_path = spec.work_dir + "/console.log";
    result.events_path = spec.work_dir + "/events.bin";
    ::unlink(result.events_path.c_str());
    std::ofstream console_log(result.console_path, std::ios::trunc);
    UniqueFd log_fd(::open((spec.work_dir + "/run.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!console_log || !log_fd) {
        result.detail = "cannot create the run's files in " + spec.work_dir + ": " + std::strerror(errno);
        return result;
    }
    const auto start = Clock::now();
    ChildProcess runner = start_runner(spec, result.events_path, log_fd.get());
    if (!runner.running()) {
        result.detail = "the VM runner failed: " + runner.wait().describe();
        return result;
    }

    Watch watch(result, start, console_log, on_console);
    FileFollower events(result.events_path);
    std::string console_buffer, event_buffer;
    auto last_output = Clock::now(), last_event = Clock::now();
    std::optional<VmEnd> killed;
    bool wedged = false;  // killed after a lockup report, not for silence
    WaitStatus ended;
    bool console_open = true;
    for (;;) {
        bool got = false;
        if (console_open) {
            const size_t before = console_buffer.size();
            console_open = runner.read_output(console_buffer, std::chrono::milliseconds(200));
            got = console_buffer.size() != before;
        } else {
            usleep(200 * 1000);
        }
        // Events first: a sequence's frame is on the event channel before
        // its marker is in the kernel log.
        if (events.read_new(event_buffer)) {
            got = true;
            last_event = Clock::now();
        }
        watch.take_events(event_buffer);
        watch.take_console(console_buffer, false);
        if (got) last_output = Clock::now();
        if (!console_open) {
            if (auto s = runner.try_wait()) {
                ended = *s;
                break;
            }
        }
        const auto lockup = watch.last_lockup();
        if (spec.stop_requested && *spec.stop_requested) {
            killed = VmEnd::Stopped;
        } else if (!killed && seconds_since(last_output) > spec.silence_limit_s) {
            killed = VmEnd::Hung;
        } else if (!killed && lockup && *lockup > last_event && seconds_since(last_event) > spec.lockup_grace_s) {
            killed = VmEnd::Hung;
            wedged = true;
        } else if (!killed && seconds_since(start) > spec.time_limit_s + 30) {
            killed = VmEnd::TimedOut;  // the runner's own limit did not end it
        }
        if (killed) {
            // TERM first (the runner then stops qemu itself), KILL if it lingers.
            ended = runner.stop(SIGTERM, kRunnerStopGrace);
            break;
        }
    }
    // What qemu wrote last: all that is in the pipe, without waiting for a
    // qemu that outlives the runner (timeout(1) gives it a group of its own).
    for (size_t before = console_buffer.size() + 1; console_buffer.size() != before;) {
        before = console_buffer.size();
        if (!runner.read_output(console_buffer)) break;
    }
    events.read_new(event_buffer);
    watch.take_events(event_buffer);
    watch.take_console(console_buffer, true);
    watch.finish();
    result.wall_s = seconds_since(start);
    console_log.flush();

    const int code = ended.shell_code();
    if (killed) {
        result.end = *killed;
        result.detail = *killed == VmEnd::Stopped ? "stopped on request (SIGINT or SIGTERM to slotcheck): qemu stopped"
                        : wedged ? "the kernel reported a lockup and the guest made no progress for " +
                                     std::to_string(static_cast<long>(spec.lockup_grace_s)) + " s: killed"
                        : *killed == VmEnd::Hung
                            ? "no console or event output for " + std::to_string(static_cast<long>(spec.silence_limit_s)) +
                                  " s: killed"
                            : "still running " + std::to_string(static_cast<long>(spec.time_limit_s)) + " s after start: killed";
    } else if (watch.saw_trailer()) {
        result.guest_exit = watch.trailer();
        result.end = result.guest_exit == kInitNoKvm ? VmEnd::NoKvm : VmEnd::Exited;
        result.detail = result.end == VmEnd::NoKvm ? "the guest has no /dev/kvm (see the console)"
                                                   : "guest command exit " + std::to_string(result.guest_exit);
    } else if (code == kRunnerTimeout) {
        result.end = VmEnd::TimedOut;
        result.detail = "no result within " + std::to_string(static_cast<long>(spec.time_limit_s)) + " s: killed";
    } else if (code == 127 || code == 2) {
        result.end = VmEnd::StartFailed;
        std::ifstream log(spec.work_dir + "/run.log");
        std::string line, last;
        while (std::getline(log, line))
            if (!line.empty()) last = line;
        result.detail = "the VM runner failed: " + last;
    } else {
        result.end = VmEnd::Died;
        result.detail = "the VM ended without finishing its command (runner exit " + std::to_string(code) + ")";
    }
    return result;
}

}  // namespace slotcheck::vm

// Bad input to the real slotcheck binary, case by case: malformed sequence
// files, bad and conflicting options of every command, hostile paths, and
// writes that fail. Each case asserts the exit code (2, bad input) and the
// message that names the place. The write-failure tests check that the old
// file is intact and no partial file is left (sys/atomic_file.h).
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sys/quoted.h"
#include "tests/json_read.h"

namespace {

namespace fs = std::filesystem;

// A sequence every profile agrees with, replayed against the model alone.
constexpr const char* kGood =
    "slotcheck-sequence 1\n"
    "vm v0 type=0x0 => ok\n"
    "gmem g0 vm=v0 size=0x4000 flags=0x3 => ok\n"
    "region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x0 => ok\n"
    "check\n";

struct RunResult {
    int status = -1;  // exit status; -1 when killed by a signal
    std::string output;  // stdout and stderr together
    std::string out, err;
    double seconds = 0;
};

// How the child runs: a file size limit, and whether to drop root (which
// reads and writes through any permission bits) to nobody.
struct RunLimits {
    rlim_t file_size = RLIM_INFINITY;
    bool unprivileged = false;
};

// The slotcheck binary at a path nobody (uid 65534) can reach: the build
// tree may sit in a directory only its owner enters (a clone in `mktemp -d`).
// A hard link (or a copy) in a 0755 directory of its own, removed at exit.
class BinaryForNobody {
public:
    BinaryForNobody() {
        char name[] = "/tmp/slotcheck-nobody-bin-XXXXXX";
        if (mkdtemp(name) == nullptr) return;
        dir_ = name;
        chmod(dir_.c_str(), 0755);
        const std::string linked = dir_ + "/slotcheck";
        std::error_code ec;
        fs::create_hard_link(SLOTCHECK_BINARY, linked, ec);
        if (ec) fs::copy_file(SLOTCHECK_BINARY, linked, ec);
        if (!ec) path_ = linked;
    }
    ~BinaryForNobody() {
        std::error_code ec;
        if (!dir_.empty()) fs::remove_all(dir_, ec);
    }
    // The binary's path, or SLOTCHECK_BINARY where none could be made.
    std::string path() const { return path_.empty() ? std::string(SLOTCHECK_BINARY) : path_; }

private:
    std::string dir_, path_;
};

std::string binary_for(bool unprivileged) {
    if (!unprivileged || geteuid() != 0) return SLOTCHECK_BINARY;
    static const BinaryForNobody reachable;
    return reachable.path();
}

// Runs `slotcheck ARGS` with stdout and stderr captured apart; the child is
// killed after 60 s (alarm survives exec), so a read that blocks (a FIFO
// opened by mistake) fails the test instead of hanging it.
RunResult run(const std::vector<std::string>& args, RunLimits limits = {}) {
    int out_pipe[2], err_pipe[2];
    if (pipe(out_pipe) != 0) return {};
    if (pipe(err_pipe) != 0) return {};
    const auto start = std::chrono::steady_clock::now();
    std::string binary = binary_for(limits.unprivileged);
    std::vector<std::string> copy = args;
    std::vector<char*> argv{binary.data()};
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        const int null = open("/dev/null", O_RDONLY);
        dup2(null, STDIN_FILENO);
        if (limits.file_size != RLIM_INFINITY) {
            const rlimit r{limits.file_size, limits.file_size};
            setrlimit(RLIMIT_FSIZE, &r);
        }
        if (limits.unprivileged && geteuid() == 0 && (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            _exit(126);
        alarm(60);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    RunResult r;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* texts[2] = {&r.out, &r.err};
    char buf[65536];
    for (int open_pipes = 2; open_pipes > 0;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int k = 0; k < 2; ++k) {
            if (fds[k].fd < 0 || !fds[k].revents) continue;
            const ssize_t n = read(fds[k].fd, buf, sizeof buf);
            if (n > 0) {
                texts[k]->append(buf, static_cast<size_t>(n));
            } else {
                close(fds[k].fd);
                fds[k].fd = -1;
                --open_pipes;
            }
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.output = r.out + r.err;
    return r;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// A scratch directory that nobody (uid 65534) can enter, with the hostile
// paths the cases name: "@" in a case's arguments stands for it.
class Scratch {
public:
    Scratch() {
        char name[] = "/tmp/slotcheck-bad-input-XXXXXX";
        path = mkdtemp(name);
        chmod(path.c_str(), 0755);
        write_text(file("good.seq"), kGood);
        write_text(file("FILE"), "a regular file\n");
        mkfifo(file("fifo.seq").c_str(), 0644);
        symlink("nowhere", file("dangling.seq").c_str());
        symlink("loop.seq", file("loop.seq").c_str());
        fs::create_directories(file("empty-dir"));
        for (const char* dir : {"corpus", "corpus-fifo", "corpus-dangling", "corpus-loop", "corpus-unreadable/sub",
                                "corpus-device", "ro"}) {
            fs::create_directories(file(dir));
            write_text(file(dir) + "/a.seq", kGood);
        }
        write_text(file("corpus-unreadable/sub/b.seq"), kGood);
        chmod(file("corpus-unreadable/sub").c_str(), 0);
        mkfifo(file("corpus-fifo/f.seq").c_str(), 0644);
        symlink("nowhere", file("corpus-dangling/d.seq").c_str());
        symlink(".", file("corpus-loop/up").c_str());
        symlink("/dev/null", file("corpus-device/null.seq").c_str());
        write_text(file("unreadable.seq"), kGood);
        chmod(file("unreadable.seq").c_str(), 0);
        write_text(file("ro/in-place.seq"), kGood);
        chmod(file("ro").c_str(), 0555);
        std::string junk;
        for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919 + 13) & 0xff);
        write_text(file("junk.seq"), junk);
    }
    ~Scratch() {
        chmod(file("corpus-unreadable/sub").c_str(), 0755);
        chmod(file("ro").c_str(), 0755);
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return path + "/" + name; }
    // `arg` with "@" alone or "@/" replaced by the directory.
    std::string expand(const std::string& arg) const {
        if (arg == "@") return path;
        std::string out;
        for (size_t i = 0; i < arg.size(); ++i)
            out += arg.compare(i, 2, "@/") == 0 ? path : std::string(1, arg[i]);
        return out;
    }
    // Temporary files the atomic writer may have left behind (it must not).
    std::vector<std::string> leftovers(const std::string& dir) const {
        std::vector<std::string> found;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string().find(".tmp-") != std::string::npos) found.push_back(e.path().string());
        return found;
    }
    std::string path;
};

struct BadInput {
    std::string name;               // the test's name
    std::vector<std::string> args;  // "@" stands for the scratch directory
    std::string message;            // a part of the error that names the place
    std::string content = "";       // when given: written to @/case.seq first
    bool unprivileged = false;      // run as nobody (root reads and writes through permission bits)
    int status = 2;
    // Where a token of kBigToken bytes goes into `content`, made only when
    // the case runs: gtest copies every case in each test process, and ten
    // megabytes copied a few dozen times made every unit test start slowly.
    std::optional<size_t> big_token_at = std::nullopt;
};

constexpr size_t kBigToken = 10'000'000;

// The bytes the case writes to @/case.seq.
std::string file_content(const BadInput& c) {
    std::string text = c.content;
    if (c.big_token_at) text.insert(*c.big_token_at, kBigToken, 'x');
    return text;
}

// gtest names a case by its name, not its bytes.
void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

// A malformed sequence file, replayed against the model.
BadInput malformed(std::string name, std::string content, std::string message) {
    return {std::move(name), {"replay", "--model-only", "@/case.seq"}, std::move(message), std::move(content)};
}

// A file of the header and `body`.
BadInput malformed_body(std::string name, const std::string& body, std::string message) {
    return malformed(std::move(name), std::string("slotcheck-sequence 1\n") + body, std::move(message));
}

// A body of `before`, a token of kBigToken 'x' bytes, and `after`.
BadInput malformed_body_with_big_token(std::string name, const std::string& before, const std::string& after,
                                       std::string message) {
    BadInput c = malformed_body(std::move(name), before + after, std::move(message));
    c.big_token_at = c.content.size() - after.size();
    return c;
}

const std::string kHead = "vm v0 type=0x0 => ok\n";

std::vector<BadInput> malformed_files() {
    return {
        malformed("EmptyFile", "", "case.seq:1:1: empty input: expected the header 'slotcheck-sequence 1'"),
        malformed("OnlyBlankLines", "\n\n  \n", "empty input: expected the header"),
        malformed("MisspelledHeader", "slotcheck-sequenc 1\n", "case.seq:1:1: expected the header 'slotcheck-sequence 1'"),
        malformed("HeaderWithoutVersion", "slotcheck-sequence\n", "case.seq:1:1: expected the header"),
        malformed("HeaderWithWordVersion", "slotcheck-sequence one\n", "case.seq:1:1: expected the header"),
        malformed("HeaderWithExtraWord", "slotcheck-sequence 1 extra\n", "case.seq:1:1: expected the header"),
        malformed("UnsupportedVersion", "slotcheck-sequence 2\n", "unsupported format version 2 (this slotcheck reads 1)"),
        malformed("VersionOverflow", "slotcheck-sequence 18446744073709551616\n", "case.seq:1:1: expected the header"),
        malformed("OpBeforeHeader", "vm v0\nslotcheck-sequence 1\n", "case.seq:1:1: expected the header"),
        malformed_body("UnknownOperation", "frob v0\n", "case.seq:2:1: unknown operation 'frob'"),
        malformed_body("UnknownOperationUppercase", "VM v0\n", "unknown operation 'VM'"),
        malformed_body("OperationWithoutHandle", "vm\n", "case.seq:2:"),
        malformed_body("WrongHandleKind", "vm g0\n", "got 'g0'"),
        malformed_body("HandleIndexTooLong", "vm v12345678\n", "got 'v12345678'"),
        malformed_body("BadNumber", "vm v0 type=zz\n", "field 'type' needs a number, got 'zz'"),
        malformed_body("HexWithoutDigits", "vm v0 type=0x\n", "got '0x'"),
        malformed_body("TrailingUnderscore", "vm v0 type=1_\n", "got '1_'"),
        malformed_body("NegativeNumber", "vm v0 type=-1\n", "got '-1'"),
        malformed_body("HexOverflow", kHead + "memfd f0 size=0x10000000000000000\n",
                       "field 'size' needs a number, got '0x10000000000000000'"),
        malformed_body("DecimalOverflow", kHead + "memfd f0 size=18446744073709551616\n",
                       "got '18446744073709551616'"),
        malformed_body("MissingField", kHead + "memfd f0\n", "case.seq:3:9: missing field 'size=...'"),
        malformed_body("MissingRegionSlot", kHead + "region v0 gpa=0x0 size=0x1000 uaddr=0x0\n", "missing field 'slot=...'"),
        malformed_body("FieldGivenTwice", kHead + "memfd f0 size=0x1000 size=0x2000\n", "field 'size' given twice"),
        malformed_body("UnknownField", kHead + "memfd f0 size=0x1000 colour=0x1\n", "unknown field 'colour'"),
        malformed_body("PositionalAfterKeyed", kHead + "memfd size=0x1000 f0\n", "positional value 'f0' after key=value fields"),
        malformed_body("UnexpectedPositional", kHead + "memfd f0 f1 size=0x1000\n", "unexpected value 'f1'"),
        malformed_body("DuplicateHandle", kHead + "vm v0 type=0x0 => ok\n", "case.seq:3"),
        malformed_body("UnknownVmHandle", "gmem g0 vm=v7 size=0x1000\n", "case.seq:2"),
        malformed_body("UseBeforeCreate", "close v0\n", "case.seq:2"),
        malformed_body("GmemVmIsNotAVm", kHead + "memfd f0 size=0x1000\ngmem g0 vm=f0 size=0x1000\n",
                       "field 'vm' needs a handle, got 'f0'"),
        malformed_body("BadMmapSource", "mmap m0 disk size=0x1000\n", "expected a source (anon, gN or fN), got 'disk'"),
        malformed_body("BadProt", "mmap m0 anon size=0x1000 prot=x\n", "prot must be r, rw, rx or rwx, got 'x'"),
        malformed_body("BadWidth", "mmap m0 anon size=0x1000\nhwrite m0+0x0 u16 0x1\n", "expected a width (u8 or u64), got 'u16'"),
        malformed_body("U8ValueTooBig", "mmap m0 anon size=0x1000\nhwrite m0+0x0 u8 0x100\n", "a u8 value must be below 0x100"),
        malformed_body("HostAddressNotAMapping", kHead + "hread v0+0x0 u8\n", "a host address names a mapping (m0+0x1000), got 'v0+0x0'"),
        malformed_body("HostAddressBadOffset", "mmap m0 anon size=0x1000\nhread m0+zz u8\n", "bad offset in host address 'm0+zz'"),
        malformed_body("BadCloseHandle", "mmap m0 anon size=0x1000\nclose m0\n", "got 'm0'"),
        malformed_body("BadFd", kHead + "region v0 slot=0x1 flags=0x4 gpa=0x0 size=0x1000 uaddr=0x0 gmem=zz offset=0x0\n",
                       "expected an fd (vN, gN, fN, kvm, -1 or never-open), got 'zz'"),
        malformed_body("BadGuestAddress", kHead + "gread v0 somewhere\n", "expected a guest physical address (a number), got 'somewhere'"),
        malformed_body("UnknownOutcome", "vm v0 type=0x0 => EWHAT\n", "unknown outcome 'EWHAT'"),
        malformed_body("EmptyOutcome", "vm v0 type=0x0 =>\n", "case.seq:2:18: expected an outcome after '=>'"),
        malformed_body("TextAfterOutcome", "vm v0 type=0x0 => ok please\n", "unexpected text after the outcome: 'please'"),
        malformed_body("AlternativeWithoutColon", "vm v0 type=0x0 => ok | EINVAL\n", "expected 'variant: outcome' after '|'"),
        malformed_body("UnknownVariant", "vm v0 type=0x0 => ok | no-such-variant: EINVAL\n",
                       "unknown profile variant 'no-such-variant'"),
        malformed_body("BangWithoutKernel", "vm v0 type=0x0 => ok !model: EINVAL\n", "expected '!kernel: OUTCOME'"),
        malformed_body("KernelDeviationOnCheck", kHead + "check => ok !kernel: EINVAL\n", "a check has no outcome to record"),
        malformed_body("RunWithoutExit", "vm v0 type=0x0 => run EINVAL\n", "expected 'run ERRNO exit=N'"),
        // A rule named after an outcome (`=> EINVAL [region.gpa-wrap]`).
        malformed_body("UnknownRule", "vm v0 type=0x0 => EINVAL [vm.no-such-rule]\n",
                       "case.seq:2:27: unknown rule 'vm.no-such-rule' (slotcheck rules lists them)"),
        malformed_body("UnknownRuleInAlternative", "vm v0 type=0x0 => ok | sw-protected-vm: EINVAL [vm.nope]\n",
                       "case.seq:2:49: unknown rule 'vm.nope'"),
        malformed_body("RuleWithoutClosingBracket", "vm v0 type=0x0 => EINVAL [vm.create-type\n",
                       "case.seq:2:26: expected ']' after the rule name"),
        malformed_body("RuleWithoutOpeningBracket", "vm v0 type=0x0 => EINVAL vm.create-type]\n",
                       "case.seq:2:40: expected '[' before the rule name ending at ']'"),
        malformed_body("EmptyRule", "vm v0 type=0x0 => EINVAL []\n",
                       "case.seq:2:26: expected a rule name between '[' and ']'"),
        malformed_body("TwoRules", "vm v0 type=0x0 => EINVAL [vm.create-type] [fd.closed]\n",
                       "case.seq:2:43: unexpected text after the rule name: '[fd.closed]'"),
        malformed_body("TwoWordsInRule", "vm v0 type=0x0 => EINVAL [vm.create-type fd.closed]\n",
                       "case.seq:2:42: expected one rule name between '[' and ']'"),
        malformed_body("RuleWithoutOutcome", "vm v0 type=0x0 => [vm.create-type]\n", "case.seq:2:18: expected an outcome"),
        malformed_body("RuleOnKernelDeviation", "vm v0 type=0x0 => ok !kernel: EINVAL [vm.create-type]\n",
                       "case.seq:2:38: a recorded kernel outcome names no rule"),
        malformed_body("RuleOnCheck", kHead + "check => ok [vm.create]\n", "case.seq:3:13: a check has no deciding rule"),
        malformed_body_with_big_token("TenMegabyteOperation", "", "\n", "unknown operation 'xxxxxxxxxx"),
        malformed_body_with_big_token("TenMegabyteTokenIsCut", "", "\n", "...' (10000000 bytes)"),
        malformed_body_with_big_token("TenMegabyteNumber", "vm v0 type=", "\n", "got 'xxxx"),
        malformed_body_with_big_token("TenMegabyteOutcome", "vm v0 type=0x0 => ", "\n", "unknown outcome 'xxx"),
        malformed_body("ControlBytesAreEscaped", "vm\x1b[31m v0\n", "unknown operation 'vm\\x1b[31m'"),
        malformed_body("BellAndBackspaceAreEscaped", "v\x07\x08 v0\n", "unknown operation 'v\\x07\\x08'"),
        malformed_body("NonUtf8IsEscaped", "vm\xff\xfe v0\n", "unknown operation 'vm\\xff\\xfe'"),
        malformed_body("TruncatedUtf8IsEscaped", "vm\xc3 v0\n", "unknown operation 'vm\\xc3'"),
        malformed_body("C1ControlIsEscaped", "vm\xc2\x9b v0\n", "unknown operation 'vm\\xc2\\x9b'"),
        malformed_body("DelIsEscaped", "vm\x7f v0\n", "unknown operation 'vm\\x7f'"),
        malformed_body("BackslashIsEscaped", "vm\\ v0\n", "unknown operation 'vm\\\\'"),
        malformed_body("ValidUtf8PassesThrough", "v\xc3\xa9 v0\n", "unknown operation 'v\xc3\xa9'"),
        malformed_body("NulByte", std::string("vm v0\0 type=0x0\n", 16), "case.seq:2:1: NUL byte in line"),
        malformed("NulByteInHeader", std::string("slotcheck\0-sequence 1\n", 22), "case.seq:1:1: NUL byte in line"),
        malformed("BinaryJunk", std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10), "case.seq:1:1"),
        malformed_body("CarriageReturnOnly", "vm v0\rgmem g0\n", "case.seq:2"),
    };
}

std::vector<BadInput> bad_options() {
    const std::string g = "@/good.seq";
    const std::string long_value(100'000, 'o');
    return {
        {"NoCommand", {}, "usage: slotcheck COMMAND"},
        {"UnknownCommand", {"frobnicate"}, "slotcheck: unknown command 'frobnicate'"},
        {"UnknownCommandWithEscape", {"x\x1b[2J"}, "unknown command 'x\\x1b[2J'"},
        {"DriverUnknownOption", {"--frobnicate"}, "slotcheck: unknown option '--frobnicate'"},
        // replay
        {"ReplayNoPath", {"replay", "--model-only"}, "usage: slotcheck replay"},
        {"ReplayUnknownOption", {"replay", "--model-only", "--frobnicate", g}, "slotcheck replay: unknown option '--frobnicate'"},
        {"ReplayLongUnknownOptionIsCut", {"replay", "--" + long_value, g}, "...' (100002 bytes)"},
        {"ReplayTimeoutZero", {"replay", "--model-only", "--timeout-ms", "0", g}, "--timeout-ms takes 1..3600000, got '0'"},
        {"ReplayTimeoutWord", {"replay", "--model-only", "--timeout-ms", "soon", g}, "--timeout-ms takes 1..3600000, got 'soon'"},
        {"ReplayTimeoutTooLong", {"replay", "--model-only", "--timeout-ms", "3600001", g}, "got '3600001'"},
        {"ReplayUnknownProfile", {"replay", "--model-only", "--profile", "linux-0.1", g}, "unknown profile 'linux-0.1'"},
        {"ReplayProfileWithControlBytes", {"replay", "--model-only", "--profile", "a\x07z", g}, "unknown profile 'a\\x07z'"},
        {"ReplayVariantWithoutValue", {"replay", "--model-only", "--variant", "nosuch", g}, "--variant takes NAME=on|off"},
        {"ReplayVariantUnknown", {"replay", "--model-only", "--variant", "nosuch=on", g}, "got 'nosuch=on'"},
        {"ReplayJsonIsADirectory", {"replay", "--model-only", "--json", "@/empty-dir", g}, "--json @/empty-dir: Is a directory"},
        {"ReplayJsonInMissingDirectory", {"replay", "--model-only", "--json", "@/missing/r.json", g},
         "--json @/missing/r.json: cannot write there: @/missing: No such file or directory"},
        {"ReplayJsonUnderARegularFile", {"replay", "--model-only", "--json", "@/FILE/r.json", g},
         "--json @/FILE/r.json: Not a directory"},
        {"ReplayJsonIsAFifo", {"replay", "--model-only", "--json", "@/fifo.seq", g}, "--json @/fifo.seq: not a regular file"},
        {"ReplayJsonIsDevNull", {"replay", "--model-only", "--json", "/dev/null", g}, "--json /dev/null: not a regular file"},
        {"ReplayJsonInReadOnlyDirectory", {"replay", "--model-only", "--json", "@/ro/r.json", g},
         "--json @/ro/r.json: cannot write there: @/ro: Permission denied", "", true},
        {"ReplayJsonEmptyPath", {"replay", "--model-only", "--json", "", g}, "--json: an empty path"},
        {"ReplayInjectKmsgMalformed", {"replay", "--model-only", "--events", "@/ev", "--inject-kmsg", "nolabel", g},
         "--inject-kmsg takes FILE@LABEL"},
        // annotate
        {"AnnotateNoFile", {"annotate"}, "usage: slotcheck annotate"},
        {"AnnotateUnknownOption", {"annotate", "--frobnicate", g}, "slotcheck annotate: unknown option '--frobnicate'"},
        {"AnnotateUnknownProfile", {"annotate", "--profile", "linux-0.1", g}, "unknown profile 'linux-0.1'"},
        {"AnnotateNameRulesWithProfile", {"annotate", "--name-rules", "--profile", "linux-7.3", g},
         "--profile excludes --name-rules"},
        {"AnnotateOutUnderARegularFile", {"annotate", "--out", "@/FILE/x", g}, "--out @/FILE/x: @/FILE/x: Not a directory"},
        {"AnnotateOutInReadOnlyDirectory", {"annotate", "--out", "@/ro/new", g}, "--out @/ro/new: cannot write there: @/ro: Permission denied", "", true},
        {"AnnotateInPlaceInReadOnlyDirectory", {"annotate", "@/ro/in-place.seq"},
         "in place @/ro/in-place.seq: cannot write there: @/ro: Permission denied", "", true},
        {"AnnotateMissingFile", {"annotate", "@/missing.seq"}, "@/missing.seq: No such file or directory"},
        {"AnnotateDirectory", {"annotate", "@/corpus"}, "@/corpus: Is a directory"},
        {"AnnotateFifo", {"annotate", "@/fifo.seq"}, "@/fifo.seq: a FIFO, not a sequence file"},
        {"AnnotateDevNull", {"annotate", "/dev/null"}, "/dev/null: a character device, not a sequence file"},
        {"AnnotateMalformed", {"annotate", "@/junk.seq"}, "@/junk.seq:1:1"},
        // emit-c
        {"EmitCNoFile", {"emit-c"}, "usage: slotcheck emit-c"},
        {"EmitCTwoFiles", {"emit-c", g, g}, "one sequence file at a time (got '@/good.seq' and '@/good.seq')"},
        {"EmitCUnknownOption", {"emit-c", "--frobnicate", g}, "slotcheck emit-c: unknown option '--frobnicate'"},
        {"EmitCOutWithoutValue", {"emit-c", g, "--out"}, "--out needs a value"},
        {"EmitCOutIsADirectory", {"emit-c", "--profile", "upstream", "--out", "@/empty-dir", g}, "--out @/empty-dir: Is a directory"},
        {"EmitCOutInMissingDirectory", {"emit-c", "--profile", "upstream", "--out", "@/missing/x.c", g},
         "--out @/missing/x.c: cannot write there: @/missing: No such file or directory"},
        {"EmitCOutUnderARegularFile", {"emit-c", "--profile", "upstream", "--out", "@/FILE/x.c", g}, "--out @/FILE/x.c: Not a directory"},
        {"EmitCOutInReadOnlyDirectory", {"emit-c", "--profile", "upstream", "--out", "@/ro/x.c", g},
         "--out @/ro/x.c: cannot write there: @/ro: Permission denied", "", true},
        {"EmitCUnknownProfile", {"emit-c", "--profile", "linux-0.1", g}, "unknown profile 'linux-0.1'"},
        {"EmitCFifo", {"emit-c", "--profile", "upstream", "@/fifo.seq"}, "@/fifo.seq: a FIFO, not a sequence file"},
        {"EmitCDevNull", {"emit-c", "--profile", "upstream", "/dev/null"}, "/dev/null: a character device, not a sequence file"},
        {"EmitCDangling", {"emit-c", "--profile", "upstream", "@/dangling.seq"}, "@/dangling.seq: dangling symbolic link"},
        {"EmitCLoop", {"emit-c", "--profile", "upstream", "@/loop.seq"}, "@/loop.seq: Too many levels of symbolic links"},
        {"EmitCDirectory", {"emit-c", "--profile", "upstream", "@/corpus"}, "@/corpus: Is a directory"},
        {"EmitCMalformed", {"emit-c", "--profile", "upstream", "@/junk.seq"}, "@/junk.seq:1:1"},
        // minimize
        {"MinimizeNoFile", {"minimize", "--model-only", "--mutant", "gmem.punch"}, "usage: slotcheck minimize"},
        {"MinimizeUnknownOption", {"minimize", "--frobnicate", g}, "slotcheck minimize: unknown option '--frobnicate'"},
        {"MinimizeModelOnlyWithoutMutant", {"minimize", "--model-only", g}, "--model-only needs --mutant RULE"},
        {"MinimizeUnknownMutant", {"minimize", "--model-only", "--mutant", "no.such-rule", g}, "unknown rule 'no.such-rule'"},
        {"MinimizeBadSame", {"minimize", "--model-only", "--mutant", "gmem.punch", "--same", "all", g},
         "--same takes any, op or rule, got 'all'"},
        {"MinimizeTimeoutZero", {"minimize", "--model-only", "--mutant", "gmem.punch", "--timeout-ms", "0", g},
         "--timeout-ms takes 1..3600000, got '0'"},
        {"MinimizeRepeatZero", {"minimize", "--model-only", "--mutant", "gmem.punch", "--repeat", "0", g}, "--repeat takes 1..100000, got '0'"},
        {"MinimizeMaxCandidatesWord", {"minimize", "--model-only", "--mutant", "gmem.punch", "--max-candidates", "many", g},
         "--max-candidates takes 1..4294967295, got 'many'"},
        {"MinimizeMaxSecondsZero", {"minimize", "--model-only", "--mutant", "gmem.punch", "--max-seconds", "0", g},
         "--max-seconds takes 1..604800, got '0'"},
        {"MinimizeTwoFiles", {"minimize", "--model-only", "--mutant", "gmem.punch", g, g}, "one FILE at a time"},
        {"MinimizeOracleWithModelOnly", {"minimize", "--oracle", "true", "--model-only", "--mutant", "gmem.punch", g},
         "--model-only excludes --oracle"},
        {"MinimizeVmWithOracle", {"minimize", "--vm", "7.3", "--oracle", "true", g}, "--oracle excludes --vm"},
        {"MinimizeVmOutWithoutVm", {"minimize", "--model-only", "--mutant", "gmem.punch", "--vm-out", "@/vm", g}, "--vm-out requires --vm"},
        {"MinimizeModulesWithoutVm", {"minimize", "--modules", "@", g}, "--modules requires --vm"},
        {"MinimizeDeviationWithModelOnly", {"minimize", "--model-only", "--mutant", "gmem.punch", "--deviation", g},
         "--deviation excludes --model-only"},
        {"MinimizeOutIsADirectory", {"minimize", "--model-only", "--mutant", "gmem.punch", "--out", "@/empty-dir", g},
         "--out @/empty-dir: Is a directory"},
        {"MinimizeOutInMissingDirectory", {"minimize", "--model-only", "--mutant", "gmem.punch", "--out", "/nonexistent/m.seq", g},
         "--out /nonexistent/m.seq: cannot write there: /nonexistent: No such file or directory"},
        {"MinimizeIntoUnderARegularFile", {"minimize", "--model-only", "--mutant", "gmem.punch", "--into", "@/FILE/findings", g},
         "--into @/FILE/findings: @/FILE/findings: Not a directory"},
        {"MinimizeIntoReadOnly", {"minimize", "--model-only", "--mutant", "gmem.punch", "--into", "@/ro/findings", g},
         "--into @/ro/findings: cannot write there: @/ro: Permission denied", "", true},
        {"MinimizeMissingFile", {"minimize", "--model-only", "--mutant", "gmem.punch", "@/missing.seq"}, "@/missing.seq: No such file or directory"},
        {"MinimizeFifo", {"minimize", "--model-only", "--mutant", "gmem.punch", "@/fifo.seq"}, "@/fifo.seq: a FIFO, not a sequence file"},
        {"MinimizeMalformed", {"minimize", "--model-only", "--mutant", "gmem.punch", "@/junk.seq"}, "@/junk.seq:1:1"},
        // fuzz
        {"FuzzSecondsZero", {"fuzz", "--model-only", "--seconds", "0"}, "slotcheck fuzz: --seconds takes 1..604800, got '0'"},
        {"FuzzSecondsMissing", {"fuzz", "--model-only", "--seconds"}, "slotcheck fuzz: --seconds needs a value"},
        {"FuzzJobsZero", {"fuzz", "--model-only", "--jobs", "0"}, "--jobs takes 1..256, got '0'"},
        {"FuzzJobsTooMany", {"fuzz", "--model-only", "--jobs", "257"}, "--jobs takes 1..256, got '257'"},
        {"FuzzSeedWord", {"fuzz", "--model-only", "--seed", "lucky"}, "--seed takes 0..18446744073709551615, got 'lucky'"},
        {"FuzzSeedOverflow", {"fuzz", "--model-only", "--seed", "18446744073709551616"}, "got '18446744073709551616'"},
        {"FuzzMaxOpsZero", {"fuzz", "--model-only", "--max-ops", "0"}, "--max-ops takes 1..100000, got '0'"},
        {"FuzzOnlyWord", {"fuzz", "--model-only", "--only", "first"}, "--only takes 0..18446744073709551615, got 'first'"},
        {"FuzzTimeoutZero", {"fuzz", "--model-only", "--timeout-ms", "0"}, "--timeout-ms takes 1..3600000, got '0'"},
        {"FuzzShrinkSecondsZero", {"fuzz", "--model-only", "--shrink-seconds", "0"}, "--shrink-seconds takes 1..86400, got '0'"},
        {"FuzzUnknownMutant", {"fuzz", "--model-only", "--mutant", "no.such-rule"}, "unknown rule 'no.such-rule'"},
        {"FuzzBadSame", {"fuzz", "--model-only", "--same", "sideways"}, "--same takes any, op or rule, got 'sideways'"},
        {"FuzzUnknownOption", {"fuzz", "--model-only", "--frobnicate"}, "slotcheck fuzz: unknown option '--frobnicate'"},
        {"FuzzUnknownProfile", {"fuzz", "--model-only", "--profile", "linux-0.1", "--out", "@/ff"}, "unknown profile 'linux-0.1'"},
        {"FuzzJsonInMissingDirectory", {"fuzz", "--model-only", "--seconds", "60", "--out", "@/ff", "--json", "/nonexistent/x"},
         "--json /nonexistent/x: cannot write there: /nonexistent: No such file or directory"},
        {"FuzzJsonIsADirectory", {"fuzz", "--model-only", "--out", "@/ff", "--json", "@/empty-dir"}, "--json @/empty-dir: Is a directory"},
        {"FuzzOutUnderARegularFile", {"fuzz", "--model-only", "--out", "@/FILE/findings"}, "--out @/FILE/findings: @/FILE/findings: Not a directory"},
        {"FuzzOutReadOnly", {"fuzz", "--model-only", "--out", "@/ro/findings"}, "--out @/ro/findings: cannot write there: @/ro: Permission denied", "", true},
        {"FuzzOutIsARegularFile", {"fuzz", "--model-only", "--out", "@/FILE"}, "--out @/FILE: cannot write there: @/FILE: Not a directory"},
        // vm (no VM is booted: each error comes before)
        {"VmNoKernel", {"vm"}, "slotcheck vm: --kernel is required"},
        {"VmUnknownOption", {"vm", "--kernel", "7.3", "--frobnicate", "x"}, "slotcheck vm: unknown option '--frobnicate'"},
        {"VmSecondsZero", {"vm", "--kernel", "7.3", "--seconds", "0"}, "--seconds takes 1..604800"},
        {"VmJobsTooMany", {"vm", "--kernel", "7.3", "--jobs", "65"}, "--jobs takes 1..64"},
        {"VmAccelUnknown", {"vm", "--kernel", "7.3", "--accel", "fast"}, "--accel takes auto, kvm or tcg"},
        {"VmMemoryTooSmall", {"vm", "--kernel", "7.3", "--memory", "1"}, "--memory takes 256..1048576 (MiB)"},
        {"VmSmpZero", {"vm", "--kernel", "7.3", "--smp", "0"}, "--smp takes 1..64"},
        {"VmSilenceTooShort", {"vm", "--kernel", "7.3", "--silence-seconds", "1"}, "--silence-seconds takes 5..86400"},
        {"VmModulesBeforeKernel", {"vm", "--modules", "@", "--kernel", "7.3"}, "--modules follows the --kernel it belongs to"},
        {"VmInjectKmsgMalformed", {"vm", "--kernel", "7.3", "--inject-kmsg", "nolabel"}, "--inject-kmsg takes FILE@LABEL"},
        {"VmInjectKmsgDelayNotANumber", {"vm", "--kernel", "7.3", "--inject-kmsg", "r.txt@+x:u64 0x5"},
         "--inject-kmsg FILE@+K:TEXT takes a number of sequences K in 0..1000, got 'x'"},
        {"VmInjectKmsgDelayTooLong", {"vm", "--kernel", "7.3", "--inject-kmsg", "r.txt@+1001:u64 0x5"},
         "--inject-kmsg FILE@+K:TEXT takes a number of sequences K in 0..1000, got '1001'"},
        {"VmInjectKmsgNoCauseText", {"vm", "--kernel", "7.3", "--inject-kmsg", "r.txt@+3:"},
         "--inject-kmsg FILE@+K:TEXT needs the TEXT of the causing operation after the ':'"},
        {"ReplayInjectKmsgNoCauseText", {"replay", "--model-only", "--events", "@/ev", "--inject-kmsg", "r.txt@+3", g},
         "--inject-kmsg FILE@+K:TEXT needs the TEXT of the causing operation after the ':'"},
        {"VmJsonInMissingDirectory", {"vm", "--kernel", "7.3", "--out", "@/vm-out", "--json", "/nonexistent/x"},
         "slotcheck vm: --json /nonexistent/x: cannot write there: /nonexistent: No such file or directory"},
        {"VmOutUnderARegularFile", {"vm", "--kernel", "7.3", "--out", "@/FILE/vm-out"}, "slotcheck vm: --out @/FILE/vm-out: @/FILE/vm-out: Not a directory"},
        // probe and rules
        {"ProbeUnknownOption", {"probe", "--frobnicate"}, "usage: slotcheck probe"},
        {"ProbeUnknownProfile", {"probe", "--profile", "linux-0.1"}, "unknown profile 'linux-0.1'"},
        {"ProbeVariantMalformed", {"probe", "--profile", "upstream", "--variant", "x"}, "--variant takes NAME=on|off"},
        {"RulesUnknownOption", {"rules", "--frobnicate"}, "slotcheck rules: unknown option '--frobnicate'"},
        {"RulesExtraArgument", {"rules", "--mutants", "x"}, "slotcheck rules: unexpected argument 'x'"},
    };
}

std::vector<BadInput> hostile_paths() {
    const std::string long_path = "@/" + std::string(5000, 'd') + "/x.seq";
    return {
        {"ReplayMissingFile", {"replay", "--model-only", "@/missing.seq"}, "slotcheck replay: @/missing.seq: No such file or directory"},
        {"ReplayEmptyDirectory", {"replay", "--model-only", "@/empty-dir"}, "@/empty-dir: no *.seq files in this directory"},
        {"ReplayFifo", {"replay", "--model-only", "@/fifo.seq"}, "@/fifo.seq: a FIFO, not a sequence file"},
        {"ReplayDevNull", {"replay", "--model-only", "/dev/null"}, "/dev/null: a character device, not a sequence file"},
        {"ReplayDanglingSymlink", {"replay", "--model-only", "@/dangling.seq"},
         "@/dangling.seq: dangling symbolic link: No such file or directory"},
        {"ReplaySymlinkLoop", {"replay", "--model-only", "@/loop.seq"}, "@/loop.seq: Too many levels of symbolic links"},
        {"ReplayPathUnderARegularFile", {"replay", "--model-only", "@/FILE/x.seq"}, "@/FILE/x.seq: Not a directory"},
        {"ReplayVeryLongPath", {"replay", "--model-only", long_path}, "File name too long"},
        {"ReplayVeryLongPathIsCut", {"replay", "--model-only", long_path}, "bytes): File name too long"},
        {"ReplayFifoInDirectory", {"replay", "--model-only", "@/corpus-fifo"}, "@/corpus-fifo/f.seq: a FIFO, not a sequence file"},
        {"ReplayDeviceInDirectory", {"replay", "--model-only", "@/corpus-device"},
         "@/corpus-device/null.seq: a character device, not a sequence file"},
        {"ReplayDanglingSymlinkInDirectory", {"replay", "--model-only", "@/corpus-dangling"},
         "@/corpus-dangling/d.seq: dangling symbolic link: No such file or directory"},
        {"ReplaySymlinkLoopInDirectory", {"replay", "--model-only", "@/corpus-loop"},
         "@/corpus-loop/up: Too many levels of symbolic links"},
        {"ReplayUnreadableSubdirectory", {"replay", "--model-only", "@/corpus-unreadable"},
         "@/corpus-unreadable/sub: Permission denied", "", true},
        {"ReplayUnreadableFile", {"replay", "--model-only", "@/unreadable.seq"}, "@/unreadable.seq: Permission denied", "", true},
        {"ReplayOneBadPathAmongGood", {"replay", "--model-only", "@/good.seq", "@/corpus", "@/missing.seq"},
         "@/missing.seq: No such file or directory"},
        {"ReplayPathWithControlBytes", {"replay", "--model-only", "@/x\x1b[2J.seq"}, "@/x\\x1b[2J.seq: No such file or directory"},
    };
}

class BadInputCase : public testing::TestWithParam<BadInput> {};

TEST_P(BadInputCase, ExitsTwoWithAMessageNamingThePlace) {
    const BadInput& c = GetParam();
    if (c.unprivileged && geteuid() != 0 && getuid() != 65534)
        GTEST_SKIP() << "needs root (to drop to nobody) or an unprivileged user; permission bits stop it as any user but root";
    Scratch scratch;
    if (!c.content.empty() || (!c.args.empty() && c.args.back() == "@/case.seq"))
        write_text(scratch.file("case.seq"), file_content(c));
    std::vector<std::string> args;
    for (const auto& a : c.args) args.push_back(scratch.expand(a));
    const RunResult r = run(args, RunLimits{RLIM_INFINITY, c.unprivileged});
    const std::string shown = r.output.size() > 2000 ? r.output.substr(0, 2000) + "..." : r.output;
    EXPECT_EQ(r.status, c.status) << shown;
    EXPECT_NE(r.err.find(scratch.expand(c.message)), std::string::npos) << "expected: " << scratch.expand(c.message) << "\n" << shown;
    // No message floods the terminal or reaches it with raw control bytes.
    EXPECT_LT(r.err.size(), 6000u) << shown;
    for (char ch : r.err)
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n') {
            ADD_FAILURE() << "a raw control byte " << int(ch) << " in the message:\n" << shown;
            break;
        }
    // Bad input is refused before any work: nothing was written for it.
    EXPECT_FALSE(fs::exists(scratch.file("ff"))) << "fuzz started and wrote findings";
    EXPECT_EQ(r.out.find("fuzz summary"), std::string::npos) << shown;
    EXPECT_EQ(r.out.find("passed,"), std::string::npos) << "replay ran: " << shown;
}

std::string case_name(const testing::TestParamInfo<BadInput>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(MalformedFile, BadInputCase, testing::ValuesIn(malformed_files()), case_name);
INSTANTIATE_TEST_SUITE_P(Option, BadInputCase, testing::ValuesIn(bad_options()), case_name);
INSTANTIATE_TEST_SUITE_P(HostilePath, BadInputCase, testing::ValuesIn(hostile_paths()), case_name);


// Writes that fail: a file size limit (RLIMIT_FSIZE, as `prlimit --fsize`)
// makes every write past it fail with EFBIG. The command exits 2 naming the
// path, the old file is left as it was, and no partial or temporary file
// stays behind.
constexpr rlim_t kTinyFileLimit = 64;

TEST(WriteFailure, AnnotateInPlaceKeepsItsInputIntact) {
    Scratch scratch;
    const std::string before = read_text(scratch.file("good.seq"));
    const RunResult r = run({"annotate", scratch.file("good.seq")}, RunLimits{kTinyFileLimit});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.err.find("cannot write " + scratch.file("good.seq") + ": write: File too large"), std::string::npos) << r.output;
    EXPECT_EQ(read_text(scratch.file("good.seq")), before);
    EXPECT_TRUE(scratch.leftovers(scratch.path).empty());
    // And without the limit the same command writes it.
    const RunResult ok = run({"annotate", scratch.file("good.seq")});
    EXPECT_EQ(ok.status, 0) << ok.output;
}

TEST(WriteFailure, AnnotateKeepsTheFilesMode) {
    Scratch scratch;
    chmod(scratch.file("good.seq").c_str(), 0640);
    const RunResult r = run({"annotate", scratch.file("good.seq")});
    ASSERT_EQ(r.status, 0) << r.output;
    struct stat st{};
    ASSERT_EQ(stat(scratch.file("good.seq").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST(WriteFailure, AnnotateInPlaceThroughASymlinkReplacesTheTarget) {
    Scratch scratch;
    ASSERT_EQ(symlink("good.seq", scratch.file("link.seq").c_str()), 0);
    const RunResult r = run({"annotate", scratch.file("link.seq")});
    ASSERT_EQ(r.status, 0) << r.output;
    struct stat st{};
    ASSERT_EQ(lstat(scratch.file("link.seq").c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the symlink was replaced by a file";
}

TEST(WriteFailure, EmitCOutLeavesNoPartialFile) {
    Scratch scratch;
    const std::string out = scratch.file("repro.c");
    const RunResult r = run({"emit-c", "--profile", "upstream", "--out", out, scratch.file("good.seq")}, RunLimits{kTinyFileLimit});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.err.find("cannot write " + out + ": write: File too large"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_TRUE(scratch.leftovers(scratch.path).empty());
}

TEST(WriteFailure, EmitCOutKeepsTheOldProgram) {
    Scratch scratch;
    const std::string out = scratch.file("repro.c");
    write_text(out, "/* the old program */\n");
    const RunResult r = run({"emit-c", "--profile", "upstream", "--out", out, scratch.file("good.seq")}, RunLimits{kTinyFileLimit});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_EQ(read_text(out), "/* the old program */\n");
}

TEST(WriteFailure, ReplayJsonExitsTwoInsteadOfWritingTruncatedJson) {
    Scratch scratch;
    const std::string json = scratch.file("report.json");
    const RunResult r = run({"replay", "--model-only", "--json", json, scratch.file("good.seq")}, RunLimits{kTinyFileLimit});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.err.find("cannot write " + json + ": write: File too large"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(json));
    EXPECT_TRUE(scratch.leftovers(scratch.path).empty());
    // Unlimited, the same command writes the whole report.
    const RunResult ok = run({"replay", "--model-only", "--json", json, scratch.file("good.seq")});
    EXPECT_EQ(ok.status, 0) << ok.output;
    std::string error;
    const slotcheck::test::json doc = slotcheck::test::parse_document(read_text(json), "slotcheck.replay/1", error);
    ASSERT_FALSE(doc.is_discarded()) << error;
    ASSERT_EQ(doc["files"].size(), 1u) << doc.dump();
    EXPECT_EQ(doc["files"][0]["verdict"], "agree") << doc.dump();
}

TEST(WriteFailure, AFuzzFindingThatCannotBeWrittenIsPrintedAndExitsTwo) {
    Scratch scratch;
    const RunResult r = run({"fuzz", "--model-only", "--profile", "linux-7.3", "--seconds", "20", "--seed", "3", "--mutant",
                             "gmem.punch", "--out", scratch.file("findings")},
                            RunLimits{kTinyFileLimit});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.err.find("could not be written: cannot write"), std::string::npos) << r.output;
    EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.output;
    // The minimized sequence is on stdout, whole: it parses and is the finding.
    const size_t header = r.out.find("slotcheck-sequence 1");
    ASSERT_NE(header, std::string::npos) << r.output;
    EXPECT_NE(r.out.find("fallocate", header), std::string::npos) << r.out;
}

TEST(WriteFailure, MinimizeOutKeepsTheOldFile) {
    Scratch scratch;
    // Overlapping bindings of one guest_memfd: the mutant lets them through.
    write_text(scratch.file("overlap.seq"),
               "slotcheck-sequence 1\n"
               "vm v0 type=0x0\n"
               "gmem g0 vm=v0 size=0x4000 flags=0x3\n"
               "region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x0\n"
               "region v0 slot=0x2 flags=0x4 gpa=0x200000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x1000\n");
    const std::string out = scratch.file("min.seq");
    write_text(out, "old\n");
    const std::vector<std::string> args = {"minimize", "--model-only", "--mutant", "gmem.bind-overlap", "--out", out,
                                           scratch.file("overlap.seq")};
    const RunResult r = run(args, RunLimits{kTinyFileLimit});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.err.find("cannot write " + out + ": write: File too large"), std::string::npos) << r.output;
    EXPECT_EQ(read_text(out), "old\n");
    const RunResult ok = run(args);
    EXPECT_EQ(ok.status, 1) << ok.output;  // minimized: a finding (sys/exit_codes.h)
    EXPECT_NE(read_text(out).find("slotcheck-sequence 1"), std::string::npos);
}

// Output paths are checked before the work: a campaign of 60 s with an
// impossible --json ends at once.
TEST(OutputPathsCheckedFirst, FuzzWithAnImpossibleJsonPathFailsAtOnce) {
    Scratch scratch;
    const RunResult r = run({"fuzz", "--model-only", "--seconds", "60", "--out", scratch.file("ff"), "--json", "/nonexistent/x"});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_LT(r.seconds, 10.0) << "the campaign ran before the path was checked";
    EXPECT_EQ(r.err.find("slotcheck fuzz: seed"), std::string::npos) << "the campaign started: " << r.output;
}

TEST(OutputPathsCheckedFirst, FuzzIntoAReadOnlyDirectoryFailsBeforeFindingAnything) {
    if (geteuid() != 0 && getuid() != 65534) GTEST_SKIP() << "needs root (to drop to nobody) or an unprivileged user";
    Scratch scratch;
    const RunResult r = run({"fuzz", "--model-only", "--profile", "linux-7.3", "--seconds", "20", "--seed", "3", "--mutant",
                             "gmem.punch", "--out", scratch.file("ro/findings")},
                            RunLimits{RLIM_INFINITY, true});
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.err.find("--out " + scratch.file("ro/findings") + ": cannot write there"), std::string::npos) << r.output;
    EXPECT_EQ(r.err.find("finding written"), std::string::npos) << r.output;
}


// The quoting helper itself, at its edges.
TEST(Quote, ShortPrintableTextIsUnchanged) {
    EXPECT_EQ(slotcheck::quote("v0"), "'v0'");
    EXPECT_EQ(slotcheck::escaped("corpus/bind/x.seq"), "corpus/bind/x.seq");
    EXPECT_EQ(slotcheck::quote(""), "''");
}

TEST(Quote, ExactlyTheLimitIsNotCutOneMoreIs) {
    const std::string limit(slotcheck::kQuotedBytes, 'a');
    EXPECT_EQ(slotcheck::quote(limit), "'" + limit + "'");
    EXPECT_EQ(slotcheck::quote(limit + "b"), "'" + limit + "...' (201 bytes)");
}

TEST(Quote, ControlAndInvalidBytesAreEscaped) {
    EXPECT_EQ(slotcheck::escaped(std::string("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(slotcheck::escaped("\t\n\r\x1b\x7f"), "\\x09\\x0a\\x0d\\x1b\\x7f");
    EXPECT_EQ(slotcheck::escaped("\xc2\x85"), "\\xc2\\x85");              // C1 control (NEL)
    EXPECT_EQ(slotcheck::escaped("\xc0\xaf"), "\\xc0\\xaf");              // overlong '/'
    EXPECT_EQ(slotcheck::escaped("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
    EXPECT_EQ(slotcheck::escaped("\xe2\x82"), "\\xe2\\x82");              // cut short
    EXPECT_EQ(slotcheck::escaped("back\\slash"), "back\\\\slash");
}

TEST(Quote, ValidUtf8PassesAndIsNotSplitAtTheLimit) {
    EXPECT_EQ(slotcheck::escaped("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x90\xa7"), "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x90\xa7");
    // 199 ASCII bytes and a 2-byte character: the character is kept whole.
    const std::string text = std::string(199, 'a') + "\xc3\xbc" + "tail";
    const std::string shown = slotcheck::quote(text);
    EXPECT_EQ(shown, "'" + std::string(199, 'a') + "\xc3\xbc...' (205 bytes)");
}

}  // namespace

#include "tools/command_line.h"

#include <iostream>

#include "model/kernel_memory.h"
#include "seq/text_scan.h"
#include "sys/quoted.h"

#ifndef SLOTCHECK_VERSION
#error "SLOTCHECK_VERSION comes from the CMake project version"
#endif

namespace slotcheck::cli {

namespace {

// CLI11's usage line, with "usage:" as the commands have always begun it.
class Formatter : public CLI::Formatter {
public:
    std::string make_usage(const CLI::App* app, std::string name) const override {
        std::string usage = CLI::Formatter::make_usage(app, std::move(name));
        if (usage.rfind("Usage:", 0) == 0) usage[0] = 'u';
        return usage;
    }
};

// CLI11's message for a mistake, in the commands' words where they had
// their own: every one names the option or argument it is about.
std::string describe(const CLI::ParseError& e, const CLI::App& app) {
    const std::string what = e.what();
    if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
        const auto extra = app.remaining();
        if (!extra.empty()) {
            const std::string& first = extra.front();
            const bool option = first.size() > 1 && first[0] == '-';
            return std::string(option ? "unknown option " : "unexpected argument ") + quote(first);
        }
        return what;
    }
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
        // "NAME: 1 required TYPE missing", "NAME: At Most 1 required but received 2"
        const auto colon = what.find(": ");
        if (colon != std::string::npos) {
            const std::string name = what.substr(0, colon);
            if (what.find(" missing", colon) != std::string::npos) return name + " needs a value";
            if (what.find("At Most", colon) != std::string::npos) return name + " is given more than once";
        }
    }
    if (dynamic_cast<const CLI::ValidationError*>(&e)) {
        // A repeating option's check comes back as "NAME: MESSAGE", and the
        // message names the option already.
        const auto colon = what.find(": ");
        if (colon != std::string::npos && what.find(what.substr(0, colon), colon) != std::string::npos)
            return what.substr(colon + 2);
    }
    return what;
}

}  // namespace

const char* version() { return "slotcheck " SLOTCHECK_VERSION; }

CommandLine::CommandLine(std::string command, std::string summary, std::string notes)
    : command_(std::move(command)), app_(std::move(summary), "slotcheck " + command_) {
    formatter_ = std::make_shared<Formatter>();
    formatter_->column_width(30);
    app_.formatter(formatter_);
    app_.set_help_flag("-h,--help", "print this help and exit");
    app_.set_version_flag("--version", version(), "print the version and exit");
    if (!notes.empty()) app_.footer(std::move(notes));
    app_.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::Throw);
}

std::optional<int> CommandLine::parse(int argc, char** argv) {
    try {
        app_.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << app_.help();
        return kExitOk;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app_.help();
        return kExitOk;
    } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << "\n";
        return kExitOk;
    } catch (const CLI::ParseError& e) {
        return bad_usage(mistake(e));
    }
    return std::nullopt;
}

std::string CommandLine::mistake(const CLI::ParseError& e) const { return describe(e, app_); }

int CommandLine::bad_input(const std::string& message) const {
    std::cerr << "slotcheck " << command_ << ": " << message << "\n";
    return kExitBadInput;
}

int CommandLine::bad_usage(const std::string& message) const {
    std::cerr << "slotcheck " << command_ << ": " << message << "\n"
              << formatter_->make_usage(&app_, app_.get_name()) << "'slotcheck " << command_
              << " --help' describes the options\n";
    return kExitBadInput;
}

CLI::Option* CommandLine::add_number(const std::string& name, std::function<void(uint64_t)> set, uint64_t min,
                                     uint64_t max, const std::string& description, const std::string& unit) {
    auto take = [name, set = std::move(set), min, max, unit](const std::string& text) {
        const auto v = parse_u64(text);
        if (!v || *v < min || *v > max)
            throw CLI::ValidationError(name + " takes " + std::to_string(min) + ".." + std::to_string(max) +
                                       (unit.empty() ? "" : " (" + unit + ")") + ", got " + quote(text));
        set(*v);
    };
    return app_.add_option_function<std::string>(name, take, description)->type_name("N");
}

CLI::Option* CommandLine::add_size(const std::string& name, std::optional<uint64_t>& target,
                                   const std::string& description) {
    auto take = [name, &target](const std::string& text) {
        const auto v = parse_memory_size(text);
        if (!v || *v == 0)
            throw CLI::ValidationError(name + " takes a size in bytes (decimal or 0x hex) or with K, M, G or T, got " +
                                       quote(text));
        target = *v;
    };
    return app_.add_option_function<std::string>(name, take, description)->type_name("SIZE");
}

CLI::Option* CommandLine::add_switch(const std::string& name, bool& target, const std::string& description) {
    return app_.add_flag(name, target, description)->multi_option_policy(CLI::MultiOptionPolicy::Throw);
}

CLI::Option* CommandLine::add_text(const std::string& name, std::optional<std::string>& target,
                                   const std::string& value, const std::string& description) {
    return app_.add_option_function<std::string>(name, [&target](const std::string& v) { target = v; }, description)
        ->type_name(value);
}

CLI::Option* CommandLine::add_text(const std::string& name, std::string& target, const std::string& value,
                                   const std::string& description) {
    return app_.add_option(name, target, description)->type_name(value);
}

CLI::Option* CommandLine::add_checked(const std::string& name, std::function<std::string(const std::string&)> check,
                                      std::function<void(const std::string&)> set, const std::string& description,
                                      bool repeats) {
    auto take = [check = std::move(check), set = std::move(set)](const std::string& text) {
        if (std::string error = check(text); !error.empty()) throw CLI::ValidationError(error);
        set(text);
    };
    if (!repeats) return app_.add_option_function<std::string>(name, take, description);
    return app_.add_option(name, description)
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->each(take);
}

CLI::Option* CommandLine::add_repeated(const std::string& name, std::vector<std::string>& target,
                                       const std::string& description) {
    return app_.add_option(name, target, description)
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace slotcheck::cli

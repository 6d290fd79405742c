// How `--help` reads: options under their headings with a plain placeholder (`--root DIR`, not
// CLI11's `TEXT:DIR`) and their default in the text, text wrapped to 80 columns, and the top
// level listing the subcommands that are registered, each with its first sentence.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace xsime::cli {

class HelpFormatter : public CLI::Formatter {
public:
    HelpFormatter();

    std::string make_help(const CLI::App* app, std::string name,
                          CLI::AppFormatMode mode) const override;
    std::string make_description(const CLI::App* app) const override;
    std::string make_usage(const CLI::App* app, std::string name) const override;
    std::string make_subcommands(const CLI::App* app, CLI::AppFormatMode mode) const override;
    std::string make_footer(const CLI::App* app) const override;
    std::string make_option(const CLI::Option* opt, bool is_positional) const override;
    std::string make_option_name(const CLI::Option* opt, bool is_positional) const override;
    std::string make_option_opts(const CLI::Option* opt) const override;
    std::string make_option_desc(const CLI::Option* opt) const override;
    std::string make_option_usage(const CLI::Option* opt) const override;

    static constexpr std::size_t width = 80; // columns of every line
};

// Gives every option of `app` and its subcommands that takes a value a plain placeholder: its
// type_name without what CLI11 appends for the checks (":UINT in [1 - 256]", ":DIR"), and a
// word instead of CLI11's own type names (TEXT: VALUE, UINT: N). Call once every subcommand
// is registered; options registered later keep CLI11's placeholder.
void tidy_placeholders(CLI::App& app);

// `text` cut into lines of at most `columns` characters at spaces (a longer word gets a line of
// its own). A newline in `text` ends a line; an empty line stays.
std::vector<std::string> wrap(const std::string& text, std::size_t columns);

// A description's summary: its first sentence or clause, without the final period.
std::string first_sentence(const std::string& text);

} // namespace xsime::cli

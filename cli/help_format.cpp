// The help formatter and the placeholder pass (help_format.hpp).
#include "cli/help_format.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace xsime::cli {

namespace {

constexpr std::size_t option_column = 30; // where an option's text starts
constexpr std::string_view default_group = "Options";
// Between words that wrap() must keep on one line ("(default: 1)"); a space once wrapped.
constexpr char glue = '\x1f';

// `left` then `text` from `column` on, wrapped; on a line of its own when `left` reaches it.
std::string two_columns(const std::string& left, const std::string& text, std::size_t column) {
    std::string out = left;
    const auto lines = wrap(text, HelpFormatter::width - column);
    if (lines.empty()) {
        return out + '\n';
    }
    if (out.size() + 2 > column) {
        out += '\n' + std::string(column, ' ');
    } else {
        out.append(column - out.size(), ' ');
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += (i == 0 ? "" : std::string(column, ' ')) + lines[i] + '\n';
    }
    std::replace(out.begin(), out.end(), glue, ' ');
    return out;
}

std::string paragraph(const std::string& text) {
    std::string out;
    for (const std::string& line : wrap(text, HelpFormatter::width)) {
        out += line + '\n';
    }
    return out;
}

// The placeholder CLI11 would show without its own type names.
std::string plain_placeholder(std::string name) {
    static const std::map<std::string, std::string> generic = {
        {"TEXT", "VALUE"}, {"UINT", "N"},       {"INT", "N"},     {"FLOAT", "N"},
        {"NUMBER", "N"},   {"BOOLEAN", "BOOL"}, {"ENUM", "VALUE"}};
    const auto found = generic.find(name);
    return found == generic.end() ? name : found->second;
}

// The option's placeholder with what CLI11 appended for each check (":" + its description)
// taken out.
std::string placeholder_of(CLI::Option& option) {
    std::string name = option.get_type_name();
    for (int i = 0;; ++i) {
        const CLI::Validator* check = nullptr;
        try {
            check = option.get_validator(i);
        } catch (const CLI::OptionNotFound&) {
            break;
        }
        const std::string suffix = ":" + check->get_description();
        if (const auto at = name.rfind(suffix); suffix.size() > 1 && at != std::string::npos) {
            name.erase(at, suffix.size());
        }
    }
    return plain_placeholder(name);
}

// "PATH...": a positional's placeholder, "..." when it takes several.
std::string positional_word(const CLI::Option& option) {
    const std::string& text = option.get_option_text();
    std::string out = text.empty() ? plain_placeholder(option.get_type_name()) : text;
    return option.get_expected_max() > 1 ? out + "..." : out;
}

} // namespace

std::vector<std::string> wrap(const std::string& text, std::size_t columns) {
    std::vector<std::string> lines;
    std::istringstream paragraphs(text);
    std::string paragraph_text;
    while (std::getline(paragraphs, paragraph_text)) {
        std::istringstream words(paragraph_text);
        std::string word;
        std::string line;
        while (words >> word) {
            if (!line.empty() && line.size() + 1 + word.size() > columns) {
                lines.push_back(line);
                line.clear();
            }
            line += (line.empty() ? "" : " ") + word;
        }
        lines.push_back(line);
    }
    return lines;
}

std::string first_sentence(const std::string& text) {
    // Up to the first ". ", ": " or "; " outside parentheses, without the final period: a
    // summary, as `git help` lists its commands.
    int depth = 0;
    std::size_t end = text.size();
    for (std::size_t i = 0; i + 1 < text.size() && end == text.size(); ++i) {
        depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
        const bool stop = text[i] == '.' || text[i] == ':' || text[i] == ';';
        if (depth <= 0 && stop && text[i + 1] == ' ') {
            end = i;
        }
    }
    std::string out = text.substr(0, end);
    while (!out.empty() && (out.back() == '.' || out.back() == ' ')) {
        out.pop_back();
    }
    return out;
}

HelpFormatter::HelpFormatter() {
    column_width(option_column);
    label("Positionals", "Arguments");
}

std::string HelpFormatter::make_help(const CLI::App* app, std::string name,
                                     CLI::AppFormatMode mode) const {
    if (mode == CLI::AppFormatMode::Sub) {
        return make_expanded(app);
    }
    std::string out = make_description(app);
    out += (out.empty() ? "" : "\n") + make_usage(app, std::move(name));
    out += make_positionals(app);
    out += make_subcommands(app, mode);
    // The named groups in the order their first option was added, CLI11's catch-all last.
    std::vector<std::string> groups = app->get_groups();
    std::stable_partition(groups.begin(), groups.end(),
                          [](const std::string& group) { return group != default_group; });
    for (const std::string& group : groups) {
        const auto options = app->get_options([&](const CLI::Option* option) {
            return option->get_group() == group && option->nonpositional();
        });
        if (!group.empty() && !options.empty()) {
            out += make_group(group, false, options);
        }
    }
    const std::string footer = make_footer(app);
    return out + (footer.empty() ? "" : "\n" + footer);
}

std::string HelpFormatter::make_description(const CLI::App* app) const {
    return paragraph(app->get_description());
}

std::string HelpFormatter::make_usage(const CLI::App* app, std::string name) const {
    std::string out = "Usage: " + name;
    if (!app->get_options([](const CLI::Option* option) { return option->nonpositional(); })
             .empty()) {
        out += " [OPTIONS]";
    }
    for (const CLI::Option* option :
         app->get_options([](const CLI::Option* option) { return option->get_positional(); })) {
        out += " " + make_option_usage(option);
    }
    if (!app->get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); })
             .empty()) {
        out += app->get_require_subcommand_min() == 0 ? " [COMMAND]" : " COMMAND";
    }
    return out + '\n';
}

std::string HelpFormatter::make_subcommands(const CLI::App* app, CLI::AppFormatMode) const {
    const auto subcommands =
        app->get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
    if (subcommands.empty()) {
        return "";
    }
    std::size_t column = 0;
    for (const CLI::App* sub : subcommands) {
        column = std::max(column, sub->get_name().size() + 4);
    }
    std::string out = "\nCommands:\n";
    for (const CLI::App* sub : subcommands) {
        out += two_columns("  " + sub->get_name(), first_sentence(sub->get_description()), column);
    }
    return out;
}

std::string HelpFormatter::make_footer(const CLI::App* app) const {
    return paragraph(app->get_footer());
}

std::string HelpFormatter::make_option(const CLI::Option* opt, bool is_positional) const {
    return two_columns(make_option_name(opt, is_positional) + make_option_opts(opt),
                       make_option_desc(opt), get_column_width());
}

std::string HelpFormatter::make_option_name(const CLI::Option* opt, bool is_positional) const {
    if (is_positional) {
        return "  " + positional_word(*opt);
    }
    std::string shorts;
    for (const std::string& name : opt->get_snames()) {
        shorts += "-" + name + ", ";
    }
    std::string longs;
    for (const std::string& name : opt->get_lnames()) {
        longs += (longs.empty() ? "--" : ", --") + name;
    }
    // Long names line up whether or not there is a short one (GNU style).
    return "  " + (shorts.empty() ? std::string(4, ' ') : shorts) + longs;
}

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
    if (opt->get_positional() || opt->get_type_size() == 0) {
        return "";
    }
    const std::string& text = opt->get_option_text();
    return " " + (text.empty() ? plain_placeholder(opt->get_type_name()) : text);
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
    std::string out = opt->get_description();
    if (!opt->get_default_str().empty()) {
        out += " (default:" + std::string(1, glue) + opt->get_default_str() + ")";
    }
    return out;
}

std::string HelpFormatter::make_option_usage(const CLI::Option* opt) const {
    const std::string word = positional_word(*opt);
    return opt->get_required() ? word : "[" + word + "]";
}

void tidy_placeholders(CLI::App& app) {
    for (CLI::Option* option : app.get_options()) {
        if (option->get_option_text().empty() &&
            (option->get_type_size() != 0 || option->get_positional())) {
            option->option_text(placeholder_of(*option));
        }
    }
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        tidy_placeholders(*sub);
    }
}

} // namespace xsime::cli

// tools/step_docs: writes (or, with --check, checks) the step kinds' parts of
// scenarios/schema.json and scenarios/FORMAT.md from harness/steps/. Usage:
//   step_docs [--check] REPOSITORY_ROOT
#include "harness/step_docs.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

bool read(const std::filesystem::path& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out = text.str();
    return static_cast<bool>(in) || in.eof();
}

// 0: up to date (or written), 1: out of date with --check, 2: an error.
int update(const std::filesystem::path& path, bool check,
           const std::variant<std::string, xsime::harness::StepDocsError>& wanted,
           const std::string& current) {
    if (const auto* error = std::get_if<xsime::harness::StepDocsError>(&wanted)) {
        std::cerr << "step_docs: " << error->message << '\n';
        return 2;
    }
    const auto& text = std::get<std::string>(wanted);
    if (text == current) {
        return 0;
    }
    if (check) {
        std::cerr << "step_docs: " << path.string()
                  << " is out of date with harness/steps/; run tools/step_docs (the build's "
                     "step_docs binary) with the repository root\n";
        return 1;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
        std::cerr << "step_docs: cannot write " << path.string() << '\n';
        return 2;
    }
    std::cout << "wrote " << path.string() << '\n';
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    const bool check = argc == 3 && std::string(argv[1]) == "--check";
    if (argc != 2 && !check) {
        std::cerr << "usage: step_docs [--check] REPOSITORY_ROOT\n";
        return 2;
    }
    const std::filesystem::path root = argv[argc - 1];
    const auto schema = root / "scenarios/schema.json";
    const auto format = root / "scenarios/FORMAT.md";
    std::string schema_text;
    std::string format_text;
    if (!read(schema, schema_text) || !read(format, format_text)) {
        std::cerr << "step_docs: cannot read " << schema.string() << " or " << format.string()
                  << '\n';
        return 2;
    }
    const int a =
        update(schema, check, xsime::harness::with_step_schemas(schema_text), schema_text);
    const int b =
        update(format, check, xsime::harness::with_step_sections(format_text), format_text);
    return std::max(a, b);
}

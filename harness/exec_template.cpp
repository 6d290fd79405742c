// Shell-like word splitting for the driver command, with {name} placeholders.
#include "harness/exec_template.hpp"

#include <optional>

namespace xsime::harness {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n';
}

// 1-based position of byte `offset` in code points: what an editor's column would say.
std::size_t character_at(std::string_view text, std::size_t offset) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) {
            ++count;
        }
    }
    return count + 1;
}

// One pass over the text; `word` is open once a quote or a character has started it, so that
// '' is an empty word while blanks alone are none.
class Splitter {
public:
    explicit Splitter(std::string_view text) : text_(text) {}

    std::optional<std::string> run() {
        while (i_ < text_.size()) {
            const char c = text_[i_];
            if (is_blank(c)) {
                end_word();
                ++i_;
            } else if (c == '\'') {
                if (auto error = single_quoted()) {
                    return error;
                }
            } else if (c == '"') {
                if (auto error = double_quoted()) {
                    return error;
                }
            } else if (c == '\\') {
                if (auto error = escaped()) {
                    return error;
                }
            } else {
                add(c);
                ++i_;
            }
        }
        end_word();
        return std::nullopt;
    }

    std::vector<std::string> take() { return std::move(words_); }

private:
    void add(char c) {
        word_.push_back(c);
        open_ = true;
    }
    void end_word() {
        if (open_) {
            words_.push_back(std::move(word_));
            word_.clear();
            open_ = false;
        }
    }
    std::string at(std::size_t offset) const {
        return "character " + std::to_string(character_at(text_, offset));
    }

    std::optional<std::string> single_quoted() {
        const std::size_t opened = i_++;
        open_ = true;
        const std::size_t close = text_.find('\'', i_);
        if (close == std::string_view::npos) {
            return "unterminated ' (opened at " + at(opened) + ")";
        }
        word_.append(text_.substr(i_, close - i_));
        i_ = close + 1;
        return std::nullopt;
    }

    std::optional<std::string> double_quoted() {
        const std::size_t opened = i_++;
        open_ = true;
        while (i_ < text_.size() && text_[i_] != '"') {
            const char c = text_[i_];
            if (c == '\\' && i_ + 1 < text_.size()) {
                const char next = text_[i_ + 1];
                if (next == '\n') {
                    i_ += 2; // a line continuation: both characters go
                    continue;
                }
                if (next == '"' || next == '\\' || next == '$' || next == '`') {
                    word_.push_back(next);
                    i_ += 2;
                    continue;
                }
            }
            word_.push_back(c); // any other backslash stays, as in sh
            ++i_;
        }
        if (i_ >= text_.size()) {
            return "unterminated \" (opened at " + at(opened) + ")";
        }
        ++i_;
        return std::nullopt;
    }

    std::optional<std::string> escaped() {
        if (i_ + 1 >= text_.size()) {
            return "a backslash at " + at(i_) + " ends the command with nothing to escape";
        }
        if (text_[i_ + 1] != '\n') {
            add(text_[i_ + 1]);
        }
        i_ += 2;
        return std::nullopt;
    }

    std::string_view text_;
    std::size_t i_ = 0;
    std::string word_;
    bool open_ = false;
    std::vector<std::string> words_;
};

} // namespace

std::string substitute(std::string_view text, const Placeholders& placeholders) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '{') {
            const std::size_t close = text.find('}', i + 1);
            if (close != std::string_view::npos) {
                const auto found = placeholders.find(text.substr(i + 1, close - i - 1));
                if (found != placeholders.end()) {
                    out += found->second;
                    i = close + 1;
                    continue;
                }
            }
        }
        out.push_back(text[i]);
        ++i;
    }
    return out;
}

std::variant<std::vector<std::string>, std::string> split_exec(std::string_view text,
                                                               const Placeholders& placeholders) {
    Splitter splitter(text);
    if (auto error = splitter.run()) {
        return *error;
    }
    std::vector<std::string> words = splitter.take();
    if (words.empty()) {
        return std::string("the command is empty");
    }
    for (auto& word : words) {
        word = substitute(word, placeholders);
    }
    if (words.front().empty()) {
        return std::string("the command's first word (the program to run) is empty");
    }
    return words;
}

std::vector<std::string> shell_argv(std::string_view text, const Placeholders& placeholders) {
    return {"/bin/sh", "-c", substitute(text, placeholders)};
}

} // namespace xsime::harness

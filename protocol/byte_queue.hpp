// A growable byte buffer consumed from the front: the storage behind the incremental decoders.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xsime::protocol {

class ByteQueue {
public:
    void append(std::string_view bytes) {
        compact_if_worthwhile();
        data_.append(bytes);
    }
    std::string_view view() const { return std::string_view(data_).substr(head_); }
    std::size_t size() const { return data_.size() - head_; }
    bool empty() const { return size() == 0; }
    void consume(std::size_t n) {
        head_ += n;
        if (head_ == data_.size()) {
            data_.clear();
            head_ = 0;
        }
    }
    // Empties the queue and keeps its memory for what is appended next.
    void clear() {
        data_.clear();
        head_ = 0;
    }
    // Everything still buffered, leaving the queue empty (handed to the next decoder
    // when the connection switches between TF commands and XSIME frames).
    std::string take_all() {
        std::string rest(view());
        data_.clear();
        head_ = 0;
        return rest;
    }

private:
    // Moving the tail down only once the consumed head dominates keeps append amortised O(1).
    void compact_if_worthwhile() {
        if (head_ > 0 && head_ >= data_.size() / 2) {
            data_.erase(0, head_);
            head_ = 0;
        }
    }

    std::string data_;
    std::size_t head_ = 0;
};

} // namespace xsime::protocol

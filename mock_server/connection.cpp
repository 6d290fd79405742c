// Reader, delivery loop, watchdog and write queue of one reference-server connection.
#include "mock_server/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <ctime>
#include <exception>

namespace xsime::mock {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {
// A client that sends faster than it reads its replies is paused above this backlog.
constexpr std::size_t max_queued_bytes = 256 * 1024;
constexpr std::size_t read_chunk = 4096;

std::uint64_t unix_seconds() {
    return static_cast<std::uint64_t>(std::time(nullptr));
}
} // namespace

std::string describe_exception(std::exception_ptr failure) {
    try {
        std::rethrow_exception(std::move(failure));
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

Connection::Connection(asio::ip::tcp::socket socket, std::shared_ptr<ConnectionContext> context,
                       std::uint64_t id)
    : socket_(std::move(socket)), delivery_timer_(socket_.get_executor()),
      watchdog_timer_(socket_.get_executor()), drained_(socket_.get_executor()),
      context_(std::move(context)), id_(id),
      core_(*context_->mailbox, context_->locks, context_->core, unix_seconds,
            [this](std::string_view line) { log(line); }),
      read_buffer_(read_chunk) {
    if (context_->tf) {
        tf_.emplace(context_->tf, [this](std::string_view line) { log(line); });
    }
}

Connection::~Connection() {
    context_->on_finished(id_);
}

void Connection::log(std::string_view line) {
    context_->log("session " + std::to_string(id_) + ": " + std::string(line));
}

void Connection::start() {
    spawn("reader", &Connection::read_loop);
    spawn("delivery loop", &Connection::delivery_loop);
    spawn("watchdog", &Connection::watchdog);
}

void Connection::spawn(std::string_view role, asio::awaitable<void> (Connection::*loop)()) {
    asio::co_spawn(
        socket_.get_executor(), [self = shared_from_this(), loop] { return ((*self).*loop)(); },
        [self = shared_from_this(), role](std::exception_ptr failure) {
            if (failure) {
                self->fail(role, std::move(failure));
            }
        });
}

// Runs as co_spawn's completion handler, which Asio dispatches on the spawning executor: the
// connection's strand. Nothing may escape it, or it would leave io_context::run and take every
// other session down with this one.
void Connection::fail(std::string_view role, std::exception_ptr failure) noexcept {
    try {
        log("unexpected exception in the " + std::string(role) + ": " +
            describe_exception(std::move(failure)));
    } catch (...) {
        // The log sink itself failed; closing matters more than the line.
    }
    try {
        close_now("internal error in the " + std::string(role));
    } catch (...) {
        // close_now closes the socket and releases the user before anything that can throw.
    }
}

void Connection::stop(std::string reason) {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this(), reason = std::move(reason)] {
        self->close_now(reason);
    });
}

void Connection::close_now(std::string_view reason) {
    if (closing_) {
        return;
    }
    closing_ = true;
    // The socket, the timers and the user's hold first: whatever throws after them (the log
    // sink), the session's coroutines end and its user is free again.
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    delivery_timer_.cancel();
    watchdog_timer_.cancel();
    drained_.cancel();
    core_.on_close();
    log("closed: " + std::string(reason));
}

asio::awaitable<void> Connection::read_loop() {
    while (!closing_) {
        auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), use_tuple);
        if (ec) {
            close_now(ec == asio::error::eof ? "client closed the connection"
                                             : "read failed: " + ec.message());
            break;
        }
        const bool was_delivering = core_.delivering();
        const std::string_view received(read_buffer_.data(), n);
        auto out = tf_ ? tf_->receive(received, core_) : core_.receive(received);
        if (core_.mid_frame() || (tf_ && tf_->mid_message())) {
            if (!frame_started_) {
                frame_started_ = clock::now();
            }
        } else {
            frame_started_.reset();
        }
        // A new interval or a fresh login takes effect now, not after the old interval.
        if (core_.interval() != scheduled_interval_ || core_.delivering() != was_delivering) {
            delivery_timer_.cancel();
        }
        if (!out.empty()) {
            co_await flush(std::move(out));
        }
        while (!closing_ && queued_bytes_ > max_queued_bytes) {
            drained_.expires_at(clock::time_point::max());
            co_await drained_.async_wait(use_tuple);
        }
    }
}

asio::awaitable<void> Connection::delivery_loop() {
    while (!closing_) {
        scheduled_interval_ = core_.interval();
        delivery_timer_.expires_after(scheduled_interval_);
        co_await delivery_timer_.async_wait(use_tuple); // a cancel means "reschedule"
        // Pushes are not piled up behind a client that does not read: they wait for
        // the queue to drain and are found again by the next scan.
        if (closing_ || writing_ || !core_.delivering()) {
            continue;
        }
        auto out = core_.poll_deliveries();
        if (tf_) {
            out = tf_->seal(std::move(out));
        }
        if (!out.empty()) {
            co_await flush(std::move(out));
        }
    }
}

asio::awaitable<void> Connection::watchdog() {
    const auto shortest = std::min(context_->read_timeout, context_->write_timeout);
    const auto tick = std::clamp<std::chrono::milliseconds>(
        shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(1000));
    while (!closing_) {
        watchdog_timer_.expires_after(tick);
        co_await watchdog_timer_.async_wait(use_tuple);
        const auto now = clock::now();
        if (frame_started_ && now - *frame_started_ > context_->read_timeout) {
            close_now("client stalled mid-frame past the read deadline");
        } else if (write_started_ && now - *write_started_ > context_->write_timeout) {
            close_now("write made no progress before the write deadline");
        }
    }
}

asio::awaitable<void> Connection::flush(CoreOutput out) {
    queued_bytes_ += out.bytes.size();
    queue_.push_back(std::move(out));
    if (writing_) {
        co_return;
    }
    writing_ = true;
    while (!queue_.empty() && !closing_) {
        auto item = std::move(queue_.front());
        queue_.pop_front();
        if (!item.bytes.empty()) {
            write_started_ = clock::now();
            auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(item.bytes), use_tuple);
            write_started_.reset();
            queued_bytes_ -= item.bytes.size();
            if (ec) {
                close_now("write failed: " + ec.message());
                break;
            }
        }
        // "every messages after receiving in the client side, must be delete": only
        // once the push is on the wire.
        for (const auto& removal : item.remove_after_write) {
            context_->mailbox->remove(removal.user, removal.message);
        }
        if (item.close_reason) {
            close_now(*item.close_reason);
        }
    }
    queue_.clear();
    queued_bytes_ = 0;
    writing_ = false;
    drained_.cancel();
}

} // namespace xsime::mock

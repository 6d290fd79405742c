// Unique-user registry: while a session that set flag 1 holds a user, another such session is
// refused.
#pragma once

#include <mutex>
#include <set>
#include <string>

namespace xsime::mock {

class UserLocks {
public:
    // False when another session already holds `key` (a canonical user folder).
    bool try_acquire(const std::string& key) {
        std::lock_guard lock(mutex_);
        return held_.insert(key).second;
    }
    void release(const std::string& key) {
        std::lock_guard lock(mutex_);
        held_.erase(key);
    }

private:
    std::mutex mutex_;
    std::set<std::string> held_;
};

} // namespace xsime::mock

// The auth-service user directory: exports codesec:auth/directory in C++
// (libc++, no exceptions) on the C bindings of world `users`.
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "users.h"

namespace {

struct Entry {
    std::string username;
    std::vector<std::string> roles;
};

const std::map<std::string, Entry> &users()
{
    static const std::map<std::string, Entry> m = {
        { "u-1001", { "alice", { "admin", "billing" } } },
        { "u-1002", { "bob", { "reader" } } },
        { "u-1003", { "carol", {} } },
    };
    return m;
}

void give(const std::string &s, users_string_t *out) { users_string_dup_n(out, s.data(), s.size()); }

}  // namespace

extern "C" bool exports_codesec_auth_directory_lookup(users_string_t *id,
                                                      exports_codesec_auth_directory_entry_t *ret)
{
    std::string key(reinterpret_cast<const char *>(id->ptr), id->len);
    users_string_free(id);
    auto it = users().find(key);
    if (it == users().end())
        return false;
    give(it->second.username, &ret->username);
    size_t n = it->second.roles.size();
    ret->roles.len = n;
    ret->roles.ptr = static_cast<users_string_t *>(n ? malloc(n * sizeof(users_string_t)) : nullptr);
    for (size_t i = 0; i < n; i++)
        give(it->second.roles[i], &ret->roles.ptr[i]);
    return true;
}

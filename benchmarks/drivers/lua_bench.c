/* Lua 5.4 (Debian source): an interpreter workload of recursion, tables,
 * strings, closures and floating point; prints a checksum. */
#include <stdio.h>
#include <stdlib.h>
#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

static const char *script =
    "local n = ...\n"
    "local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end\n"
    "local sum = 0\n"
    "for r = 1, n do\n"
    "  sum = sum + fib(20)\n"
    "  local t = {}\n"
    "  for i = 1, 4000 do t[i] = (i * 7919 + r) % 10007 end\n"
    "  table.sort(t)\n"
    "  sum = sum + t[1] + t[#t] + t[2000]\n"
    "  local parts = {}\n"
    "  for i = 1, 1500 do parts[#parts + 1] = string.format('%d:%x', i, i * r) end\n"
    "  local s = table.concat(parts, ',')\n"
    "  local c = 0\n"
    "  for w in s:gmatch('%d+:') do c = c + #w end\n"
    "  sum = sum + c + #s:gsub('a', 'bb')\n"
    "  local acc = 0.0\n"
    "  for i = 1, 20000 do acc = acc + math.sin(i * 0.001) * math.sqrt(i) end\n"
    "  sum = sum + math.floor(acc)\n"
    "  local h = {}\n"
    "  for i = 1, 3000 do h['k' .. (i % 997)] = (h['k' .. (i % 997)] or 0) + i end\n"
    "  sum = sum + h.k1 + h.k500\n"
    "  local mk = function(x) return function(y) return x * y + r end end\n"
    "  for i = 1, 3000 do sum = sum + mk(i)(3) % 13 end\n"
    "end\n"
    "return sum\n";

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 30;
    lua_State *L = luaL_newstate();
    if (!L) return 1;
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base}, {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_COLIBNAME, luaopen_coroutine}, {LUA_UTF8LIBNAME, luaopen_utf8}};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    if (luaL_loadstring(L, script) != LUA_OK) {
        printf("load: %s\n", lua_tostring(L, -1));
        return 2;
    }
    lua_pushinteger(L, n);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        printf("run: %s\n", lua_tostring(L, -1));
        return 3;
    }
    printf("lua %d -> %lld\n", n, (long long)lua_tointeger(L, -1));
    lua_close(L);
    return 0;
}

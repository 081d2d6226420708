/*
 * asan_options.c — the wacc command's AddressSanitizer defaults. Read only
 * by a sanitizer build (-Db_sanitize=address); ASAN_OPTIONS still
 * overrides them flag by flag.
 *
 * intercept_tls_get_addr=0: the sanitizer runtime of GCC <= 13 (and LLVM
 * <= 16) takes a dynamic TLS block that happens to start 16 bytes past a
 * page boundary for a glibc < 2.25 block with a header, and reads the two
 * words before it as the block's address and size; LeakSanitizer then
 * scans that bogus range at exit and crashes ("Tracer caught signal 11",
 * google/sanitizers#1322) — with glibc 2.36, on every `wacc compile` of
 * tests/wasi3/fs.wat. The cost: LeakSanitizer does not scan dynamic TLS, so
 * a block held only from there would be reported as a leak.
 */
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
    return "intercept_tls_get_addr=0";
}

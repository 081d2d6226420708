/*
 * main.c — the `wacc` command-line driver: command dispatch, usage, and the
 * `compile` command.
 *
 *   wacc compile app.wasm [-o app.so] [-O0..-O3] [--cpu NAME] [-j N] [--quiet]
 *   wacc run [OPTIONS] app.so|app.wasm [ARGS...]
 *   wacc serve [options] app.so|app.wasm
 *   wacc inspect app.so
 *   wacc wast FILE.wast... [-O1] [-j N]
 *   wacc wit FILE.wit|DIR|APP.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"

static void usage(FILE *f)
{
    fputs("usage: wacc <command> [options]\n"
          "\n"
          "commands:\n"
          "  compile FILE.wasm [-o FILE.so] [-O0..-O3] [--cpu native|x86-64-v2|x86-64-v3|NAME]\n"
          "          [-j N] [--quiet] [--no-interrupt-checks] [--bounds-checks]\n"
          "          [--target aarch64-linux-gnu]\n"
          "                      compile a core module or a component to a native shared object\n"
          "                      (--bounds-checks: test every memory access instead of relying\n"
          "                      on guard pages; memory after a trap then holds exactly the\n"
          "                      stores made before it)\n"
          "                      (--target: cross-compile for aarch64; --cpu then names an\n"
          "                      AArch64 CPU, default generic)\n"
          "                      (-j: code generation threads, default $WACC_JOBS or all cores;\n"
          "                      a progress line on a terminal unless --quiet)\n"
          "  run [--invoke NAME] [--argv0 NAME] [--timeout 5s] [--max-memory 128MiB]\n"
          "      [--dir HOST[::GUEST]]... [--env KEY=VALUE]... [--allow-http HOST[:PORT]]...\n"
          "      [--no-cache] [-O0..-O3]\n"
          "      [--tcp-listen ADDR:PORT]... [--tcp-connect HOST:PORT|CIDR[:PORT]]...\n"
          "      [--udp ADDR:PORT|CIDR[:PORT]]... [--allow-dns]   (wasi:sockets grants)\n"
          "      [--verify-key KEY.pub]... [--require-signatures] [--otlp URL [--trace-calls]]\n"
          "      [--insecure] [--creds USER:PASS] FILE.so|FILE.wasm|oci://REF [ARGS...]\n"
          "                      run the program with ARGS (everything after FILE), or call\n"
          "                      export NAME with ARGS and print its results\n"
          "  serve [--addr 127.0.0.1:8080] [--workers N] [--route /PREFIX=FILE|oci://REF]...\n"
          "      [--dir HOST[::GUEST]] [--env KEY=VALUE] [--allow-http HOST[:PORT]]...\n"
          "      [--tcp-listen ADDR:PORT] [--tcp-connect HOST:PORT|CIDR[:PORT]] [--allow-dns]\n"
          "      [--timeout 30s] [--max-memory 128MiB] [--max-body 64MiB] [--quiet]\n"
          "      [--reuse N] [--reuse-concurrency M]  (WASI 0.3 services: requests per instance,\n"
          "      at once; default 128 and 16; 0.2 proxies get a fresh instance per request)\n"
          "      [--verify-key KEY.pub]... [--require-signatures] [--otlp URL [--trace-calls]]\n"
          "      [--insecure] [--creds USER:PASS] FILE.so|FILE.wasm|oci://REF\n"
          "                      serve a wasi:http component over HTTP (grants apply to the\n"
          "                      next --route or FILE)\n"
          "  inspect FILE.so     print an artifact's metadata\n"
          "  wast FILE.wast... [-O0..-O3] [-j N] [--max-failures N] [--component] [--skip-line N]...\n"
          "                      run spec test scripts (needs wast2json from wabt; component\n"
          "                      scripts need node + jco, see scripts/npm-deps.sh)\n"
          "  wast --target aarch64-linux-gnu --emit-dir D FILE.wast...   only convert + compile\n"
          "                      into D/<name>/;  wast --precompiled D/*/*.json  runs them\n"
          "  wit FILE.wit|DIR|APP.wasm [--deps DIR]... [--all] [--no-docs] [--world-only]\n"
          "                      print a WIT package resolved, or a component's world as WIT\n"
          "  push REF FILE.wasm [--native FILE.so]... [--sign KEY] [--insecure] [--creds U:P]\n"
          "                      push a component (and native builds) as a Wasm OCI artifact\n"
          "  pull REF [-o DIR] [--verify-key KEY.pub]... [--require-signatures] [--insecure] [--creds U:P]\n"
          "                      pull it (digests verified; run oci://REF runs it)\n"
          "  keygen -o KEY       write an ed25519 key pair: KEY and KEY.pub\n"
          "  sign --key KEY [--embed] FILE   sign FILE (.wasm or .so) into FILE.sig\n"
          "  verify --key KEY.pub [--signature SIG] FILE   check FILE's signature\n"
          "  bindgen c FILE.wit|DIR [--world NAME] [--host] --out DIR\n"
          "                      C bindings for a WIT world (wit-bindgen's C conventions)\n"
          "  compose SOCKET.wasm --plug PLUG.wasm... [--wire A:IMPORT=B]... -o OUT.wasm\n"
          "                      plug components into a socket's imports (wac plug)\n"
          "  help                show this help\n"
          "  --version           print the version\n", f);
}

static char *default_output(const char *in)
{
    size_t n = strlen(in);
    const char *dot = strrchr(in, '.');
    const char *slash = strrchr(in, '/');
    if (dot != NULL && (slash == NULL || dot > slash) && strcmp(dot, ".wasm") == 0)
        n = (size_t)(dot - in);
    char *out = malloc(n + 4);
    if (out == NULL)
        return NULL;
    memcpy(out, in, n);
    memcpy(out + n, ".so", 4);
    return out;
}

int cmd_compile(int argc, char **argv)
{
    wacc_compile_options o = { .opt_level = 2, .cpu = NULL, .explicit_bounds = false,
                               .wasm_features = WASM_FEATURES_RUNNABLE };
    const char *in = NULL, *out = NULL;
    char err[512];
    bool quiet = false;

    for (int i = 0; i < argc; i++) {
        int r = drv_parse_compile_option(argc, argv, &i, &o);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "-o") == 0) {
            if (i + 1 >= argc) {
                drv_error(NULL, "-o needs a file name");
                return 2;
            }
            out = argv[++i];
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            quiet = true;
        } else if (strncmp(argv[i], "-j", 2) == 0 || strcmp(argv[i], "--jobs") == 0) {
            const char *v = argv[i][1] == 'j' && argv[i][2] ? argv[i] + 2 : i + 1 < argc ? argv[++i] : NULL;
            char *end = NULL;
            long n = v ? strtol(v, &end, 10) : 0;
            if (!v || end == v || *end || n < 1 || n > 256) {
                drv_error(NULL, "-j needs a thread count 1..256");
                return 2;
            }
            o.jobs = (int)n;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            drv_error(NULL, "compile: unknown option '%s'", argv[i]);
            return 2;
        } else if (in == NULL) {
            in = argv[i];
        } else {
            drv_error(NULL, "compile: more than one input file");
            return 2;
        }
    }
    if (in == NULL) {
        drv_error(NULL, "compile: no input file");
        return 2;
    }
    size_t size;
    uint8_t *bytes = drv_read_file(in, &size, err);
    if (bytes == NULL) {
        drv_error(in, "%s", err);
        return 1;
    }
    char *def = out == NULL ? default_output(in) : NULL;
    if (out == NULL)
        out = def;
    int status = 0;
    const struct wacc_compiler_api *api;
    if (out == NULL) {
        drv_error(in, "out of memory");
        status = 1;
    } else if ((api = drv_compiler(err)) == NULL) {
        drv_error(in, "%s", err);
        status = 1;
    } else {
        o.progress = api->progress_start(!quiet && isatty(STDERR_FILENO));
        bool ok = api->compile_file(bytes, size, &o, out, err);
        api->progress_stop(o.progress);
        if (!ok) {
            drv_error(in, "%s", err);
            status = 1;
        }
    }
    free(def);
    free(bytes);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *c = argv[1];
    if (strcmp(c, "--version") == 0 || strcmp(c, "-V") == 0 || strcmp(c, "version") == 0) {
        printf("wacc %s (artifact ABI %u)\n", WACC_VERSION, WACC_ABI_VERSION);
        return 0;
    }
    if (strcmp(c, "help") == 0 || strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(c, "compile") == 0)
        return cmd_compile(argc - 2, argv + 2);
    if (strcmp(c, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(c, "serve") == 0)
        return cmd_serve(argc - 2, argv + 2);
    if (strcmp(c, "inspect") == 0)
        return cmd_inspect(argc - 2, argv + 2);
    if (strcmp(c, "wast") == 0)
        return cmd_wast(argc - 2, argv + 2);
    if (strcmp(c, "push") == 0)
        return cmd_push(argc - 2, argv + 2);
    if (strcmp(c, "pull") == 0)
        return cmd_pull(argc - 2, argv + 2);
    if (strcmp(c, "keygen") == 0)
        return cmd_keygen(argc - 2, argv + 2);
    if (strcmp(c, "sign") == 0)
        return cmd_sign(argc - 2, argv + 2);
    if (strcmp(c, "verify") == 0)
        return cmd_verify(argc - 2, argv + 2);
    if (strcmp(c, "wit") == 0) {
        int cmd_wit(int argc, char **argv);     /* cmd_wit.c */
        return cmd_wit(argc - 2, argv + 2);
    }
    if (strcmp(c, "compose") == 0) {
        int cmd_compose(int argc, char **argv);     /* cmd_compose.c */
        return cmd_compose(argc - 2, argv + 2);
    }
    if (strcmp(c, "bindgen") == 0) {
        int cmd_bindgen(int argc, char **argv);     /* cmd_bindgen.c */
        return cmd_bindgen(argc - 2, argv + 2);
    }
    fprintf(stderr, "wacc: unknown command '%s'\n", c);
    usage(stderr);
    return 2;
}

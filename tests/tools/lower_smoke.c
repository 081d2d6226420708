/*
 * lower_smoke.c — developer tool: decode a .wasm, lower it to LLVM IR,
 * verify it and print it; optionally optimise it or emit the .so.
 *
 *   lower_smoke [-O] [-q] [-cpu NAME] FILE.wasm
 *     -O   run the default<O2> pipeline before printing
 *     -q   do not print the IR (just verify)
 * (For a .so use `wacc compile`.) The target is set up here with plain
 * LLVM calls so that this tool depends on nothing but lower/ and decode/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "compiler.h"

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static bool make_target(wacc_target *t, const char *cpu)
{
    memset(t, 0, sizeof *t);
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    snprintf(t->triple, sizeof t->triple, "x86_64-pc-linux-gnu");
    snprintf(t->cpu_name, sizeof t->cpu_name, "%s", cpu);
    t->features = strdup("");
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(t->triple, &target, &msg)) {
        fprintf(stderr, "target: %s\n", msg);
        LLVMDisposeMessage(msg);
        return false;
    }
    t->tm = LLVMCreateTargetMachine(target, t->triple, cpu, "", LLVMCodeGenLevelDefault,
                                    LLVMRelocPIC, LLVMCodeModelDefault);
    t->layout = LLVMCreateTargetDataLayout(t->tm);
    return true;
}

int main(int argc, char **argv)
{
    bool opt = false, quiet = false;
    const char *in = NULL, *cpu = "x86-64-v2";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-O"))
            opt = true;
        else if (!strcmp(argv[i], "-q"))
            quiet = true;
        else if (!strcmp(argv[i], "-cpu") && i + 1 < argc)
            cpu = argv[++i];
        else
            in = argv[i];
    }
    if (!in) {
        fprintf(stderr, "usage: lower_smoke [-O] [-q] [-cpu NAME] FILE.wasm\n");
        return 2;
    }
    size_t size;
    uint8_t *bytes = read_file(in, &size);
    if (!bytes) {
        fprintf(stderr, "%s: cannot read\n", in);
        return 1;
    }
    wasm_error err = {0};
    wasm_module *m = wasm_decode(bytes, size, ~0u, WASM_DECODE_DEFAULT, &err);
    if (!m) {
        fprintf(stderr, "%s:0x%zx: %s\n", in, err.offset, err.msg);
        free(bytes);
        return 1;
    }
    wacc_compile_options o = { .opt_level = 2, .cpu = cpu };
    wacc_target t;
    if (!make_target(&t, cpu))
        return 1;
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = wacc_lower_module(ctx, m, &t, &o, 0, 0, &err);
    int rc = 0;
    if (!mod) {
        fprintf(stderr, "%s:0x%zx: %s\n", in, err.offset, err.msg);
        rc = 1;
    } else {
        if (opt) {
            LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
            LLVMErrorRef e = LLVMRunPasses(mod, "default<O2>", t.tm, po);
            if (e) {
                char *em = LLVMGetErrorMessage(e);
                fprintf(stderr, "passes: %s\n", em);
                LLVMDisposeErrorMessage(em);
                rc = 1;
            }
            LLVMDisposePassBuilderOptions(po);
        }
        if (!quiet) {
            char *s = LLVMPrintModuleToString(mod);
            fputs(s, stdout);
            LLVMDisposeMessage(s);
        }
        LLVMDisposeModule(mod);
    }
    LLVMContextDispose(ctx);
    LLVMDisposeTargetData(t.layout);
    LLVMDisposeTargetMachine(t.tm);
    free(t.features);
    wasm_module_free(m);
    free(bytes);
    return rc;
}

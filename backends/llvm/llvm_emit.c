// SPDX-License-Identifier: MIT
/* llvm_emit.c: the CPU backend's entry point (--target cpu). Builds the module
 * (llvm_gen.c), optimizes it with the new pass manager (default<O0..3>), emits it for the
 * chosen CPU as a position-independent object (--cpu native: the host's name and
 * feature string; a large network: several modules on all CPUs, llvm_split.c), and
 * links the object(s) with the runtime archive into NAME.so with the system linker
 * driver (cc -shared, or $CC), plus the header NAME.h beside it. Every file goes
 * through a temporary and a rename (output.h): a failed compile leaves nothing. */
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "llvm_backend.h"
#include "llvm_gen.h"
#include "llvm_int8.h"
#include "llvm_split.h"
#include "output.h"
#include "stage_time.h"

extern char **environ;

/* The x86 CPU names LLVM 19 knows (`llc-19 -mtriple=x86_64 -mcpu=help`): LLVM itself
 * only warns about an unknown name and falls back to a generic CPU. */
static const char known_cpus[] =
        "alderlake amdfam10 arrowlake arrowlake-s arrowlake_s athlon athlon-4 athlon-fx "
        "athlon-mp athlon-tbird athlon-xp athlon64 athlon64-sse3 atom atom_sse4_2 "
        "atom_sse4_2_movbe barcelona bdver1 bdver2 bdver3 bdver4 bonnell broadwell btver1 "
        "btver2 c3 c3-2 cannonlake cascadelake clearwaterforest cooperlake core-avx-i core-"
        "avx2 core2 core_2_duo_sse4_1 core_2_duo_ssse3 core_2nd_gen_avx core_3rd_gen_avx "
        "core_4th_gen_avx core_4th_gen_avx_tsx core_5th_gen_avx core_5th_gen_avx_tsx "
        "core_aes_pclmulqdq core_i7_sse4_2 corei7 corei7-avx emeraldrapids generic geode "
        "goldmont goldmont-plus goldmont_plus gracemont grandridge graniterapids "
        "graniterapids-d graniterapids_d haswell i386 i486 i586 i686 icelake-client icelake-"
        "server icelake_client icelake_server ivybridge k6 k6-2 k6-3 k8 k8-sse3 knl knm "
        "lakemont lunarlake meteorlake mic_avx512 nehalem nocona opteron opteron-sse3 "
        "pantherlake penryn pentium pentium-m pentium-mmx pentium2 pentium3 pentium3m "
        "pentium4 pentium4m pentium_4 pentium_4_sse3 pentium_ii pentium_iii "
        "pentium_iii_no_xmm_regs pentium_m pentium_mmx pentium_pro pentiumpro prescott "
        "raptorlake rocketlake sandybridge sapphirerapids sierraforest silvermont skx skylake"
        " skylake-avx512 skylake_avx512 slm tigerlake tremont westmere winchip-c6 winchip2 "
        "x86-64 x86-64-v2 x86-64-v3 x86-64-v4 yonah znver1 znver2 znver3 znver4 znver5 ";

/* Reject a --cpu name LLVM does not know (with a suggestion); true if known. */
static bool check_cpu(HbCx *cx, const char *cpu)
{
    const char *names[256];
    int n = 0;
    char *list = arena_printf(&cx->arena, "%s", known_cpus);
    for (char *p = list, *sp; n < 256 && (sp = strchr(p, ' ')) != NULL; p = sp + 1) {
        *sp = 0;
        names[n++] = p;
    }
    for (int k = 0; k < n; k++)
        if (strcmp(names[k], cpu) == 0)
            return true;
    Diag *d = diag_file_error(cx, NULL, "unknown CPU '%s' for --cpu", cpu);
    const char *near = diag_suggest(cpu, names, n);
    if (near)
        diag_help(cx, d, "did you mean '%s'?", near);
    diag_note(cx, d,
              "--cpu takes native, x86-64-v2, x86-64-v3, x86-64-v4 or an LLVM x86 CPU name "
              "(znver4, skylake-avx512, haswell, ...)");
    diag_help(cx, d, "`llc-19 -mtriple=x86_64 -mcpu=help` lists every name");
    return false;
}

static bool make_target(HbCx *cx, const BackendOptions *o, Target *t)
{
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    t->triple = LLVMGetDefaultTargetTriple();
    const char *cpu = o->cpu && *o->cpu ? o->cpu : "native";
    bool native = strcmp(cpu, "native") == 0;
    if (!native && !check_cpu(cx, cpu)) {
        t->cpu = LLVMCreateMessage("");
        t->features = LLVMCreateMessage("");
        return false;
    }
    t->cpu = native ? LLVMGetHostCPUName() : LLVMCreateMessage(cpu);
    t->features = native ? LLVMGetHostCPUFeatures() : LLVMCreateMessage("");
    LLVMTargetRef target;
    char *err = NULL;
    if (LLVMGetTargetFromTriple(t->triple, &target, &err)) {
        diag_file_error(cx, NULL, "no LLVM target for '%s': %s", t->triple, err);
        LLVMDisposeMessage(err);
        return false;
    }
    static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess,
                                                 LLVMCodeGenLevelDefault,
                                                 LLVMCodeGenLevelAggressive};
    int lv = o->opt_level < 0 ? 0 : o->opt_level > 3 ? 3 : o->opt_level;
    t->target = target;
    t->level = levels[lv];
    t->tm = LLVMCreateTargetMachine(target, t->triple, t->cpu, t->features, levels[lv],
                                    LLVMRelocPIC, LLVMCodeModelDefault);
    return t->tm != NULL;
}

static void free_target(Target *t)
{
    if (t->tm)
        LLVMDisposeTargetMachine(t->tm);
    LLVMDisposeMessage(t->triple);
    LLVMDisposeMessage(t->cpu);
    LLVMDisposeMessage(t->features);
}

/* Every function gets the target CPU and features (what clang does), so the
 * optimizer's cost models see the real vector width. */
static void tag_functions(LLVMContextRef C, LLVMModuleRef M, const Target *t)
{
    for (LLVMValueRef f = LLVMGetFirstFunction(M); f; f = LLVMGetNextFunction(f)) {
        if (LLVMIsDeclaration(f))
            continue;
        // the kernels' <8 x i64> stay zmm even where LLVM's tuning prefers 256-bit vectors
        LLVMAddAttributeAtIndex(
                f, LLVMAttributeFunctionIndex,
                LLVMCreateStringAttribute(C, "min-legal-vector-width", 22, "512", 3));
        LLVMAddAttributeAtIndex(
                f, LLVMAttributeFunctionIndex,
                LLVMCreateStringAttribute(C, "target-cpu", 10, t->cpu, (unsigned)strlen(t->cpu)));
        if (*t->features)
            LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
                                    LLVMCreateStringAttribute(C, "target-features", 15, t->features,
                                                              (unsigned)strlen(t->features)));
    }
}

/* The new pass manager's pipeline for -O<level>. */
static const char *pipeline(int level)
{
    static const char *const p[] = {"default<O0>", "default<O1>", "default<O2>", "default<O3>"};
    return p[level < 0 ? 0 : level > 3 ? 3 : level];
}

static bool optimize(HbCx *cx, LLVMModuleRef M, const Target *t, int level)
{
    const char *passes = pipeline(level);
    LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
    LLVMErrorRef e = LLVMRunPasses(M, passes, t->tm, po);
    LLVMDisposePassBuilderOptions(po);
    if (e) {
        char *msg = LLVMGetErrorMessage(e);
        diag_file_error(cx, NULL, "internal error: LLVM passes failed: %s", msg);
        LLVMDisposeErrorMessage(msg);
        return false;
    }
    return true;
}

/* The popcount tier: what this target machine makes of a <8 x i64> and a <64 x i8>
 * popcount (vpopcntq; zmm or ymm byte shuffles; else scalar), and *bmi2 whether a
 * variable i64 shift is a shlx (BMI2: the target has pdep and pext too). Probing the
 * emitted code covers --cpu native, named CPUs and their default features alike. */
static GTier probe_tier(const Target *t, bool *bmi2)
{
    LLVMContextRef C = LLVMContextCreate();
    LLVMModuleRef M = LLVMModuleCreateWithNameInContext("probe", C);
    LLVMSetTarget(M, t->triple);
    LLVMTypeRef ty[] = {LLVMVectorType(LLVMInt64TypeInContext(C), 8),
                        LLVMVectorType(LLVMInt8TypeInContext(C), 64)};
    static const char *const name[] = {"llvm.ctpop.v8i64", "llvm.ctpop.v64i8"};
    LLVMBuilderRef b = LLVMCreateBuilderInContext(C);
    for (int i = 0; i < 2; i++) {
        LLVMTypeRef ft = LLVMFunctionType(ty[i], &ty[i], 1, 0);
        LLVMValueRef f = LLVMAddFunction(M, i ? "b" : "q", ft);
        LLVMValueRef pop = LLVMAddFunction(M, name[i], ft);
        LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(C, f, "e"));
        LLVMValueRef x = LLVMGetParam(f, 0);
        LLVMBuildRet(b, LLVMBuildCall2(b, ft, pop, &x, 1, ""));
    }
    LLVMTypeRef i64 = LLVMInt64TypeInContext(C), two[] = {i64, i64};
    LLVMValueRef sf = LLVMAddFunction(M, "hb_probe_shl", LLVMFunctionType(i64, two, 2, 0));
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(C, sf, "e"));
    LLVMBuildRet(b, LLVMBuildShl(b, LLVMGetParam(sf, 0), LLVMGetParam(sf, 1), ""));
    LLVMDisposeBuilder(b);
    tag_functions(C, M, t);
    char *err = NULL;
    LLVMMemoryBufferRef buf = NULL;
    GTier tier = TIER_SCALAR;
    *bmi2 = false;
    if (!LLVMTargetMachineEmitToMemoryBuffer(t->tm, M, LLVMAssemblyFile, &err, &buf)) {
        size_t n = LLVMGetBufferSize(buf);
        char *s = malloc(n + 1);
        if (s) {
            memcpy(s, LLVMGetBufferStart(buf), n);
            s[n] = 0;
            const char *bfn = strstr(s, "b:");
            tier = strstr(s, "vpopcntq")                 ? TIER_VPOPCNT
                   : bfn && strstr(bfn, "vpshufb\t%zmm") ? TIER_AVX512BW
                   : bfn && strstr(bfn, "vpshufb\t%ymm") ? TIER_AVX2
                                                         : TIER_SCALAR;
            const char *sfn = strstr(s, "hb_probe_shl:");
            *bmi2 = sfn && strstr(sfn, "shlx");
            free(s);
        }
        LLVMDisposeMemoryBuffer(buf);
    }
    LLVMDisposeMessage(err);
    LLVMDisposeModule(M);
    LLVMContextDispose(C);
    return tier;
}

/* Write bytes to `path` (NULL: stdout) through output.h. */
static bool write_bytes(HbCx *cx, const char *path, const void *data, size_t n)
{
    if (!path) {
        fwrite(data, 1, n, stdout);
        return hb_out_check_stream(cx, stdout, "standard output");
    }
    HbOut out;
    if (!hb_out_begin(cx, &out, path, false))
        return false;
    bool ok = fwrite(data, 1, n, out.f) == n;
    return hb_out_end(cx, &out, ok);
}

static bool emit_machine(HbCx *cx, LLVMModuleRef M, const Target *t, LLVMCodeGenFileType kind,
                         LLVMMemoryBufferRef *buf)
{
    char *err = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(t->tm, M, kind, &err, buf)) {
        diag_file_error(cx, NULL, "internal error: LLVM code generation failed: %s", err);
        LLVMDisposeMessage(err);
        return false;
    }
    return true;
}

/* "net.so" -> "net.h"; any other name gets ".h" appended. */
static const char *header_path(HbCx *cx, const char *so)
{
    size_t n = strlen(so);
    if (n > 3 && strcmp(so + n - 3, ".so") == 0)
        return arena_printf(&cx->arena, "%.*s.h", (int)(n - 3), so);
    return arena_printf(&cx->arena, "%s.h", so);
}

/* Run argv (no shell) and wait; true if it exited with 0. */
static bool spawn_wait(HbCx *cx, char **argv)
{
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (rc) {
        diag_file_error(cx, NULL, "cannot run the linker '%s': %s", argv[0], strerror(rc));
        return false;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return false;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return true;
    diag_file_error(cx, NULL, "the linker '%s' failed (exit status %d)", argv[0],
                    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return false;
}

/* True if an executable `prog` is on PATH. */
static bool on_path(HbCx *cx, const char *prog)
{
    const char *path = getenv("PATH");
    char *dirs = arena_strdup(&cx->arena, path && *path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
        if (access(arena_printf(&cx->arena, "%s/%s", *d ? d : ".", prog), X_OK) == 0)
            return true;
    return false;
}

/* cc -shared -o SO OBJ RUNTIME -lm -lpthread, with the soname NAME's base name (so a
 * program linked against it records that name, not a path); CC may hold a command with
 * arguments. Without CC, gold links when it is installed: a library is mostly one big
 * read-only section of weights, which gold copies in half the time of GNU ld (ResNet-18:
 * 45 MB, 0.27 s against 0.55 s of CPU). */
static bool link_so(HbCx *cx, const char *so, const char *name, const char *const *objs, int nobj,
                    const char *runtime)
{
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    const char *cc = getenv("CC");
    char *words = arena_strdup(&cx->arena, cc && *cc ? cc : "cc");
    char *argv[64 + SPLIT_MAX + 1];
    int n = 0;
    for (char *s = strtok(words, " \t"); s && n < 50; s = strtok(NULL, " \t"))
        argv[n++] = s;
    if (!(cc && *cc) && on_path(cx, "ld.gold"))
        argv[n++] = "-fuse-ld=gold";
    /* -Xlinker, not -Wl,: -Wl splits its argument at commas, and a name may hold one. */
    const char *head[] = {"-shared", "-Xlinker", "-soname", "-Xlinker", base, "-o", so};
    for (size_t k = 0; k < sizeof head / sizeof *head; k++)
        argv[n++] = (char *)head[k];
    for (int k = 0; k < nobj; k++)
        argv[n++] = (char *)objs[k];
    const char *rest[] = {runtime, "-lm", "-lpthread"};
    for (size_t k = 0; k < sizeof rest / sizeof *rest; k++)
        argv[n++] = (char *)rest[k];
    argv[n] = NULL;
    return spawn_wait(cx, argv);
}

/* A new empty file $TMPDIR/hbnnc-XXXXXX<suffix> (NULL after a diagnostic). */
static char *temp_file(HbCx *cx, const char *suffix)
{
    const char *dir = getenv("TMPDIR");
    char *path = arena_printf(&cx->arena, "%s/hbnnc-XXXXXX%s", dir && *dir ? dir : "/tmp", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    if (fd < 0) {
        diag_file_error(cx, path, "cannot create a temporary file: %s", strerror(errno));
        return NULL;
    }
    close(fd);
    return path;
}

/* Append the file at `path` to the stream (a library for a device / FIFO / socket). */
static bool copy_into(const char *path, FILE *to)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char buf[1 << 16];
    size_t n;
    bool ok = true;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = ok && fwrite(buf, 1, n, to) == n;
    fclose(f);
    return ok;
}

/* Link the object into the library `lib` is writing: the linker writes the temporary
 * file, or (an output written in place) a file of its own that is then copied. */
static bool link_into(HbCx *cx, HbOut *lib, const char *name, const char *const *objs, int nobj,
                      const char *runtime)
{
    if (!lib->direct)
        return hb_out_close_stream(cx, lib) && link_so(cx, lib->path, name, objs, nobj, runtime);
    char *tmp = temp_file(cx, ".so");
    bool ok = tmp && link_so(cx, tmp, name, objs, nobj, runtime) && copy_into(tmp, lib->f);
    if (tmp)
        unlink(tmp);
    return ok;
}

static void unlink_all(const char *const *objs, int nobj)
{
    for (int k = 0; k < nobj; k++)
        unlink(objs[k]);
}

/* The shared library and its header, from the objects: both complete, or neither. The
 * objects are removed in every case. */
static bool emit_library(HbCx *cx, const IrModule *m, const BackendOptions *o,
                         const char *const *objs, int nobj, const char *info)
{
    HbOut hdr, lib;
    const char *htext = llvm_header_text(cx, m, llvm_c_name(cx, o->name), info);
    if (!hb_out_begin(cx, &hdr, header_path(cx, o->output), false)) {
        unlink_all(objs, nobj);
        return false;
    }
    bool ok = fputs(htext, hdr.f) >= 0;
    if (!hb_out_begin(cx, &lib, o->output, true)) {
        hb_out_end(cx, &hdr, false);
        unlink_all(objs, nobj);
        return false;
    }
    cx_stage(cx, "link");
    ok = ok && link_into(cx, &lib, o->output, objs, nobj, o->runtime);
    unlink_all(objs, nobj);
    ok = hb_out_end(cx, &lib, ok) && ok;
    return hb_out_end(cx, &hdr, ok) && ok;
}

static bool have_runtime(HbCx *cx, const BackendOptions *o)
{
    if (o->runtime && access(o->runtime, R_OK) == 0)
        return true;
    diag_file_error(cx, NULL, "cannot find the hbnnc runtime library '%s'",
                    o->runtime ? o->runtime : "libhbnn_rt.a");
    return false;
}

/* Code generation straight into a temporary object file: going through a memory
 * buffer held the object three times over (LLVM's stream, the buffer, the file), which
 * for a 10^7-weight network is most of the peak memory. NULL on failure. */
static char *emit_object_file(HbCx *cx, LLVMModuleRef M, const Target *t, const BackendOptions *o)
{
    if (!have_runtime(cx, o))
        return NULL;
    char *objpath = temp_file(cx, ".o");
    if (!objpath)
        return NULL;
    char *err = NULL;
    if (LLVMTargetMachineEmitToFile(t->tm, M, objpath, LLVMObjectFile, &err)) {
        diag_file_error(cx, NULL, "internal error: LLVM code generation failed: %s", err);
        LLVMDisposeMessage(err);
        unlink(objpath);
        return NULL;
    }
    return objpath;
}

/* A new module in a context of its own, for the target. */
static void new_module(const Target *t, LLVMTargetDataRef dl, const char *name, LLVMContextRef *C,
                       LLVMModuleRef *M)
{
    *C = LLVMContextCreate();
    *M = LLVMModuleCreateWithNameInContext(name, *C);
    LLVMSetSourceFileName(*M, name, strlen(name));
    LLVMSetTarget(*M, t->triple);
    LLVMSetModuleDataLayout(*M, dl);
}

/* Hands each finished module of a split network to the workers (llvm_split.c). */
typedef struct SplitHook {
    SplitPool *pool;
    SplitJob *jobs;
    const Target *t;
} SplitHook;

static void part_done(void *arg, int part)
{
    SplitHook *h = arg;
    tag_functions(h->jobs[part].C, h->jobs[part].M, h->t);
    llvm_split_ready(h->pool, part);
}

/* A split network (jobs[0] the ABI's module, jobs[1..n-1] the parts): generated here
 * while worker threads optimize and emit the finished modules, then linked. The library
 * is always built this way, so --emit llvm|asm|obj of such a network prints the
 * one-module form of the same code. */
static bool emit_split(HbCx *cx, const IrModule *m, const BackendOptions *o, const Target *t, G *g,
                       GPart *parts, SplitJob *jobs, int n)
{
    const char *objs[SPLIT_MAX + 1];
    int nobj = 0;
    bool ok = true;
    for (; ok && nobj < n; nobj++)
        ok = (objs[nobj] = jobs[nobj].obj = temp_file(cx, ".o")) != NULL;
    if (!ok) {
        for (int i = 0; i < n; i++) {
            LLVMDisposeModule(jobs[i].M);
            LLVMContextDispose(jobs[i].C);
        }
        unlink_all(objs, nobj - 1);
        return false;
    }
    SplitHook hook = {llvm_split_start(t, pipeline(o->opt_level), jobs, n), jobs, t};
    g->part_done = part_done;
    g->part_arg = &hook;
    cx_stage(cx, "llvm ir"); // the finished parts are compiled on the other CPUs meanwhile
    llvm_gen_split(g, parts, n - 1);
    cx_stage(cx, "llvm codegen"); // optimize + emit: the parts not yet done
    ok = llvm_split_finish(hook.pool);
    for (int i = 0; i < n; i++) {
        if (jobs[i].err && ok)
            diag_file_error(cx, NULL, "internal error: LLVM %s failed: %s",
                            jobs[i].passes_ok ? "code generation" : "passes", jobs[i].err);
        ok = ok && !jobs[i].err;
        free(jobs[i].err);
    }
    if (!ok) {
        unlink_all(objs, nobj);
        return false;
    }
    return emit_library(cx, m, o, objs, nobj, g->info);
}

/* The one-module form: --emit llvm|asm|obj, or a library too small to split. */
static bool emit_one(HbCx *cx, const IrModule *m, const BackendOptions *o, const Target *t,
                     LLVMModuleRef M, const char *info)
{
    cx_stage(cx, "llvm optimize");
    bool ok = optimize(cx, M, t, o->opt_level);
    cx_stage(cx, "llvm emit");
    LLVMMemoryBufferRef buf = NULL;
    if (ok && o->emit == BE_LLVM) {
        char *text = LLVMPrintModuleToString(M);
        ok = write_bytes(cx, o->output, text, strlen(text));
        LLVMDisposeMessage(text);
    } else if (ok && o->emit == BE_ASM) {
        ok = emit_machine(cx, M, t, LLVMAssemblyFile, &buf) &&
             write_bytes(cx, o->output, LLVMGetBufferStart(buf), LLVMGetBufferSize(buf));
    } else if (ok && o->emit == BE_OBJ) {
        ok = emit_machine(cx, M, t, LLVMObjectFile, &buf) &&
             write_bytes(cx, o->output, LLVMGetBufferStart(buf), LLVMGetBufferSize(buf));
    }
    char *objpath = ok && o->emit == BE_DEFAULT ? emit_object_file(cx, M, t, o) : NULL;
    if (buf)
        LLVMDisposeMemoryBuffer(buf);
    LLVMContextRef C = LLVMGetModuleContext(M);
    LLVMDisposeModule(M); // before linking: the linker then has the memory to itself
    LLVMContextDispose(C);
    if (o->emit == BE_DEFAULT)
        ok = objpath && emit_library(cx, m, o, (const char *const *)&objpath, 1, info);
    return ok;
}

static bool emit_all(HbCx *cx, const IrModule *m, const BackendOptions *o, Target *t)
{
    const char *cname = llvm_c_name(cx, o->name);
    const char *info = llvm_info_text(cx, m, o, t->cpu);
    if (o->emit == BE_HEADER) {
        const char *h = llvm_header_text(cx, m, cname, info);
        return write_bytes(cx, o->output, h, strlen(h));
    }
    Int8Plan **int8;
    bool *dws;
    if (!llvm_int8_plan(cx, m, o, &int8, &dws))
        return false;
    GPart parts[SPLIT_MAX + 1];
    int n = o->emit == BE_DEFAULT ? llvm_split_plan(m, parts) : 1;
    if (n > 1 && !have_runtime(cx, o))
        return false;
    LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(t->tm);
    SplitJob jobs[SPLIT_MAX + 1] = {{0}};
    new_module(t, dl, cname, &jobs[0].C, &jobs[0].M);
    for (int i = 1; n > 1 && i <= n; i++) {
        new_module(t, dl, cname, &parts[i].C, &parts[i].M);
        jobs[i] = (SplitJob){.C = parts[i].C, .M = parts[i].M};
    }
    LLVMDisposeTargetData(dl);
    G g = {.cx = cx,
           .m = m,
           .o = o,
           .C = jobs[0].C,
           .M = jobs[0].M,
           .info = info,
           .int8 = int8,
           .dws = dws};
    g.tier = probe_tier(t, &g.bmi2);
    if (n > 1)
        return emit_split(cx, m, o, t, &g, parts, jobs, n + 1);
    cx_stage(cx, "llvm ir");
    llvm_gen_module(&g);
    tag_functions(jobs[0].C, jobs[0].M, t);
    return emit_one(cx, m, o, t, jobs[0].M, info);
}

int llvm_emit(HbCx *cx, const IrModule *m, const BackendOptions *o)
{
    Target t = {0};
    bool ok = make_target(cx, o, &t) && emit_all(cx, m, o, &t);
    free_target(&t);
    diag_flush(cx);
    return ok ? 0 : 2; // driver.h EXIT_USAGE: output, linker or target failures
}

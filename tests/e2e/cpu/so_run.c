/* so_run.c: the CPU backend's end-to-end runner (tests/e2e/cpu_backend.sh). Loads a
 * generated library with dlopen and prints one line of outputs per example in the
 * format of `hbnnc --run` (%.9g floats, %d class indices), so the two can be compared.
 * Each output buffer is exactly [batch, ELEMS] between guard words, and starts filled
 * with a pattern instead of zeros: a library that stores outside it, or relies on zeros
 * it did not write (outputs written in place), fails here.
 *   so_run LIB.so NAME IN.npy BATCH THREADS OUTSPEC...   (OUTSPEC: ELEMS[i] per output)
 *   so_run --rand-npy ROWS ELEMS SEED OUT.npy            (uniform [-1, 1) float32)
 * Several inputs are not supported here (the test networks have one). */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *(*create_fn)(int);
typedef int (*run_n_fn)(void *, const float *const *, void *const *, int);
typedef void (*destroy_fn)(void *);

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "so_run: %s %s\n", msg, arg ? arg : "");
    exit(2);
}

/* A float32 C-order .npy: returns the data, *rows = shape[0], *elems = the rest. */
static float *read_npy(const char *path, long *rows, long *elems)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot read", path);
    unsigned char pre[10];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6))
        die("not a .npy file:", path);
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    char *h = calloc(1, hlen + 1);
    if (fread(h, 1, hlen, f) != hlen || !strstr(h, "'<f4'") || strstr(h, "True"))
        die("need a little-endian float32 C-order array:", path);
    char *p = strchr(strstr(h, "shape"), '(') + 1;
    *rows = strtol(p, &p, 10);
    *elems = 1;
    for (;;) { // ", 3, 4)", ",)" and ", )" (numpy writes both 1-d spellings)
        while (*p == ',' || *p == ' ')
            p++;
        if (*p < '0' || *p > '9')
            break;
        *elems *= strtol(p, &p, 10);
    }
    free(h);
    float *x = malloc((size_t)(*rows * *elems) * sizeof *x);
    if (fread(x, sizeof *x, (size_t)(*rows * *elems), f) != (size_t)(*rows * *elems))
        die("short .npy file", path);
    fclose(f);
    return x;
}

static int rand_npy(char **argv)
{
    long rows = atol(argv[2]), elems = atol(argv[3]);
    uint64_t s = strtoull(argv[4], NULL, 10);
    FILE *f = fopen(argv[5], "wb");
    if (!f)
        die("cannot write", argv[5]);
    char h[128];
    int n = snprintf(h, sizeof h, "{'descr': '<f4', 'fortran_order': False, 'shape': (%ld, %ld), }",
                     rows, elems);
    while ((10 + n + 1) % 64)
        h[n++] = ' ';
    h[n++] = '\n';
    unsigned char pre[10] = {
            0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 255), (unsigned char)(n >> 8)};
    fwrite(pre, 1, 10, f);
    fwrite(h, 1, (size_t)n, f);
    for (long j = 0; j < rows * elems; j++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        float v = (float)((double)(s >> 11) / 9007199254740992.0 * 2 - 1);
        fwrite(&v, sizeof v, 1, f);
    }
    return fclose(f) ? 2 : 0;
}

#define GUARD 256 // words before and after each output buffer
#define FILL  0x7fa5a5a5u

/* n words between guards, all FILL; the caller gets the words after the first guard. */
static uint32_t *guarded(long n)
{
    uint32_t *b = malloc((size_t)(n + 2 * GUARD) * 4);
    if (!b)
        die("out of memory", NULL);
    for (long j = 0; j < n + 2 * GUARD; j++)
        b[j] = FILL;
    return b + GUARD;
}

static void check_guards(const uint32_t *p, long n)
{
    for (long j = 1; j <= GUARD; j++)
        if (p[-j] != FILL || p[n - 1 + j] != FILL)
            die("the library wrote outside the output buffer", NULL);
}

static void *sym(void *h, const char *name, const char *what)
{
    char s[256];
    snprintf(s, sizeof s, "%s_%s", name, what);
    void *p = dlsym(h, s);
    if (!p)
        die("missing symbol", s);
    return p;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--rand-npy") == 0)
        return rand_npy(argv);
    if (argc < 7)
        die("usage: so_run LIB.so NAME IN.npy BATCH THREADS OUTSPEC...", NULL);
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h)
        die("dlopen failed:", dlerror());
    create_fn create;
    run_n_fn run;
    destroy_fn destroy;
    void *p = sym(h, argv[2], "create");
    memcpy(&create, &p, sizeof p);
    p = sym(h, argv[2], "run_n");
    memcpy(&run, &p, sizeof p);
    p = sym(h, argv[2], "destroy");
    memcpy(&destroy, &p, sizeof p);
    long rows, elems;
    float *x = read_npy(argv[3], &rows, &elems);
    int batch = atoi(argv[4]), nout = argc - 6;
    long oe[16];
    int isint[16];
    if (nout > 16)
        die("too many outputs", NULL);
    for (int k = 0; k < nout; k++) {
        oe[k] = strtol(argv[6 + k], NULL, 10);
        isint[k] = strchr(argv[6 + k], 'i') != NULL;
    }
    void *ctx = create(atoi(argv[5]));
    if (!ctx)
        die("create failed", NULL);
    for (long b0 = 0; b0 < rows; b0 += batch) {
        int nb = (int)(rows - b0 < batch ? rows - b0 : batch);
        void *outs[16];
        for (int k = 0; k < nout; k++)
            outs[k] = guarded(nb * oe[k]);
        const float *in = x + b0 * elems;
        if (run(ctx, &in, outs, nb) != 0)
            die("run failed", NULL);
        for (int k = 0; k < nout; k++)
            check_guards(outs[k], nb * oe[k]);
        for (int e = 0; e < nb; e++) {
            const char *sep = "";
            for (int k = 0; k < nout; k++)
                for (long j = 0; j < oe[k]; j++, sep = " ") {
                    if (isint[k])
                        printf("%s%d", sep, ((int32_t *)outs[k])[e * oe[k] + j]);
                    else
                        printf("%s%.9g", sep, (double)((float *)outs[k])[e * oe[k] + j]);
                }
            printf("\n");
        }
        for (int k = 0; k < nout; k++)
            free((uint32_t *)outs[k] - GUARD);
    }
    destroy(ctx);
    free(x);
    dlclose(h);
    return 0;
}

/* dispatch.c - the portable build: kernels for the CPU the code runs on.
 *
 * `cc -O2 net.c` on x86-64 compiles for the baseline (SSE2), although nearly every
 * x86-64 CPU in use has AVX2 and FMA, and servers AVX-512. So the generated net.c, when
 * GNU C (gcc, clang) compiles it for x86-64 without -mavx2, compiles its layers and API
 * three times over, by including itself (NET.c names itself, as it names NET.h) with
 * P_PASS set: once under `#pragma GCC target` for AVX-512 (64-byte vectors), once for
 * AVX2 + FMA (32-byte vectors), once for the baseline (16-byte vectors). Every function of
 * a pass is renamed with the pass's suffix (P_forward -> P_forward_avx2) and is static; the
 * public functions, compiled once, call the best pass the CPU supports (decided on the
 * first call, __builtin_cpu_supports). The workspace is the same for every vector width
 * (the schedule sizes the scratch for the widest).
 *
 * With -mavx2 or -march=... (or -O0, the debug build; -Os, the small build; ASan, TSan or MSan, checking
 * builds; another compiler, another architecture, or -DCNNGEN_NO_DISPATCH) there is
 * one pass, for the flags given.
 * -DCNNGEN_ISA_MAX=0|1|2 caps the choice (tests run every pass on one machine).
 *
 * This stage reads the text of the region (the functions between the markers of
 * templates/net.c) and writes the four pieces: the driver before the region, the
 * renames at its start, the undefinitions at its end, and the public wrappers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

static const struct { const char *sfx, *target, *vbytes, *test; } passes[] = {
    {"avx512", "avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,bmi,bmi2,popcnt", "64", "2"},
    {"avx2", "avx2,fma,bmi,bmi2,popcnt", "32", "1"},
    {"sse2", NULL, "16", "0"},
};
#define NPASS 3

typedef struct Fn { char name[128]; int pub; const char *sig, *sig_end; } Fn;

/* The functions defined at file scope in region (a line at column 0 that opens a
 * parameter list and does not end with ';'), in order. */
static int find_functions(const char *region, Fn *fn, int max)
{
    int n = 0;
    for (const char *s = region; *s;) {
        const char *nl = strchr(s, '\n');
        const char *le = nl ? nl : s + strlen(s);
        const char *par = memchr(s, '(', (size_t)(le - s));
        const char *last = le;
        while (last > s && isspace((unsigned char)last[-1]))
            last--;
        if ((isalpha((unsigned char)*s) || *s == '_') && par && last > s && last[-1] != ';' &&
            strncmp(s, "typedef", 7) != 0 && n < max) {
            const char *e = par;
            while (e > s && isspace((unsigned char)e[-1]))
                e--;
            const char *b = e;
            while (b > s && (isalnum((unsigned char)b[-1]) || b[-1] == '_'))
                b--;
            if (e > b && b > s && strncmp(b, "__", 2) != 0 && (size_t)(e - b) < sizeof fn[n].name) {
                memcpy(fn[n].name, b, (size_t)(e - b));
                fn[n].name[e - b] = 0;
                fn[n].pub = strncmp(s, "static", 6) != 0;
                fn[n].sig = s;
                int depth = 0;      /* the signature runs to the ')' that closes par */
                const char *q = par;
                for (; *q; q++) {
                    depth += *q == '(';
                    if (*q == ')' && --depth == 0)
                        break;
                }
                fn[n].sig_end = *q ? q + 1 : q;
                n++;
            }
        }
        s = nl ? nl + 1 : le;
    }
    return n;
}

/* "a, b, c" from a parameter list "(T *a, const U *b, int c)" (void: ""). */
static void call_args(Buf *b, const char *sig, const char *end)
{
    const char *p = strchr(sig, '(');
    if (!p || p >= end)
        return;
    p++;
    int first = 1;
    while (p < end) {
        const char *q = p;
        int depth = 0;
        while (q < end && !(depth == 0 && (*q == ',' || *q == ')'))) {
            depth += (*q == '(' || *q == '[') - (*q == ')' || *q == ']');
            q++;
        }
        const char *e = q;      /* the parameter's name: the last identifier before any [ */
        const char *br = memchr(p, '[', (size_t)(q - p));
        if (br)
            e = br;
        while (e > p && !(isalnum((unsigned char)e[-1]) || e[-1] == '_'))
            e--;
        const char *s = e;
        while (s > p && (isalnum((unsigned char)s[-1]) || s[-1] == '_'))
            s--;
        if (e > s && !(e - s == 4 && !strncmp(s, "void", 4))) {
            buf_printf(b, "%s%.*s", first ? "" : ", ", (int)(e - s), s);
            first = 0;
        }
        p = q + 1;
    }
}

/* The signature's text on one line (newlines and their indent become one space). */
static void flat(Buf *b, const char *s, const char *e)
{
    for (; s < e; s++) {
        if (*s == '\n') {
            buf_putc(b, ' ');
            while (s + 1 < e && s[1] == ' ')
                s++;
        } else {
            buf_putc(b, *s);
        }
    }
}

int dispatch_parts(const char *P, const char *self, const char *region, Buf *driver, Buf *open,
                   Buf *close, Buf *wrappers)
{
    enum { MAXFN = 4096 };
    Fn *fn = calloc(MAXFN, sizeof *fn);
    if (!fn) {
        fprintf(stderr, "cnngen: out of memory\n");
        return -1;
    }
    int n = find_functions(region, fn, MAXFN);

    buf_printf(driver,
        "/* The kernels for the CPU this runs on (cnngen: the portable build). GNU C for x86-64\n"
        " * without -mavx2 (plain `cc -O2`) compiles the layers and the API below three times, by\n"
        " * including this file (keep its name, %s) with %s_PASS set: for AVX-512, for AVX2\n"
        " * with FMA and for the baseline SSE2; the public functions at the end call the best\n"
        " * the CPU supports. Otherwise (-march=..., -O0, -Os, sanitizers, another compiler or\n"
        " * architecture, -DCNNGEN_NO_DISPATCH) the code below is compiled once, for the flags given.\n"
        " * -DCNNGEN_ISA_MAX=N caps the choice (0 SSE2, 1 AVX2, 2 AVX-512). */\n", self, P);
    buf_printf(driver,
        "#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)\n"
        "#define %s_SANITIZED 1   /* a checking build: one pass, a third of the compile time */\n"
        "#elif defined(__has_feature)\n"
        "#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) \\\n"
        "    || __has_feature(memory_sanitizer)\n"
        "#define %s_SANITIZED 1\n"
        "#endif\n"
        "#endif\n", P, P);
    buf_printf(driver,
        "#if %s_VECTORS && defined(__x86_64__) && !defined(__AVX2__) && !defined(CNNGEN_VBYTES) \\\n"
        "    && defined(__OPTIMIZE__) && !defined(__OPTIMIZE_SIZE__) && !defined(%s_SANITIZED) \\\n"
        "    && !defined(CNNGEN_NO_DISPATCH) \\\n"
        "    && (__GNUC__ >= 8 || __clang_major__ >= 7)\n"
        "#define %s_DISPATCH 1\n#else\n#define %s_DISPATCH 0\n#endif\n", P, P, P, P);
    buf_printf(driver, "#if %s_DISPATCH\n#define %s_CAT_(a, b) a##b\n#define %s_CAT(a, b) %s_CAT_(a, b)\n",
               P, P, P, P);
    for (int k = 0; k < NPASS; k++) {
        buf_printf(driver, "#define %s_PASS _%s\n#define %s_PASS_VBYTES %s\n", P, passes[k].sfx, P,
                   passes[k].vbytes);
        if (passes[k].target)
            buf_printf(driver,
                "#if defined(__clang__)\n"
                "#pragma clang attribute push(__attribute__((target(\"%s\"))), apply_to = function)\n"
                "#else\n#pragma GCC push_options\n#pragma GCC target(\"%s\")\n#endif\n",
                passes[k].target, passes[k].target);
        buf_printf(driver, "#include \"%s\"\n", self);
        if (passes[k].target)
            buf_printf(driver, "#if defined(__clang__)\n#pragma clang attribute pop\n"
                       "#else\n#pragma GCC pop_options\n#endif\n");
        buf_printf(driver, "#undef %s_PASS\n#undef %s_PASS_VBYTES\n", P, P);
    }
    buf_printf(driver, "#endif\n");

    /* the pass's names: every function of the region, the vector type */
    buf_printf(open, "#ifdef %s_PASS   /* this pass's names: NAME -> NAME_<pass>, the API static */\n", P);
    buf_printf(open, "#define %s_vec %s_CAT(%s_vec, %s_PASS)\n", P, P, P, P);
    for (int i = 0; i < n; i++)
        buf_printf(open, "#define %s %s_CAT(%s, %s_PASS)\n", fn[i].name, P, fn[i].name, P);
    for (int i = 0; i < n; i++)
        if (fn[i].pub) {
            buf_puts(open, "static ");
            flat(open, fn[i].sig, fn[i].sig_end);
            buf_puts(open, ";\n");
        }
    buf_printf(open, "#endif\n");

    buf_printf(close, "#ifdef %s_PASS\n#undef %s_vec\n", P, P);
    for (int i = 0; i < n; i++)
        buf_printf(close, "#undef %s\n", fn[i].name);
    buf_printf(close, "#undef %s_VBYTES\n#undef %s_VL\n#undef %s_VRELU\n#undef %s_VLD\n#endif\n",
               P, P, P, P);

    buf_printf(wrappers,
        "#if %s_DISPATCH\n"
        "/* The pass to run: 2 (AVX-512 F, DQ, BW, VL), 1 (AVX2 and FMA) or 0 (SSE2), decided once. */\n"
        "static int %s_isa(void)\n{\n"
        "    static int isa = -1;\n"
        "    if (isa < 0) {\n"
        "        __builtin_cpu_init();\n"
        "        int v = __builtin_cpu_supports(\"avx512f\") && __builtin_cpu_supports(\"avx512dq\") &&\n"
        "                __builtin_cpu_supports(\"avx512bw\") && __builtin_cpu_supports(\"avx512vl\") ? 2\n"
        "              : __builtin_cpu_supports(\"avx2\") && __builtin_cpu_supports(\"fma\") ? 1 : 0;\n"
        "#ifdef CNNGEN_ISA_MAX\n"
        "        if (v > CNNGEN_ISA_MAX)\n"
        "            v = CNNGEN_ISA_MAX;\n"
        "#endif\n"
        "        isa = v;\n"
        "    }\n"
        "    return isa;\n}\n", P, P);
    for (int i = 0; i < n; i++) {
        if (!fn[i].pub)
            continue;
        Buf sig = {0}, args = {0};
        flat(&sig, fn[i].sig, fn[i].sig_end);
        call_args(&args, fn[i].sig, fn[i].sig_end);
        int is_void = strncmp(sig.data, "void ", 5) == 0;
        buf_printf(wrappers, "\n%s\n{\n    switch (%s_isa()) {\n", sig.data, P);
        for (int k = 0; k < NPASS; k++) {
            const char *lbl = k == NPASS - 1 ? "default" : text_fmt("case %s", passes[k].test);
            if (is_void)
                buf_printf(wrappers, "    %s:\n        %s_%s(%s);\n        return;\n", lbl,
                           fn[i].name, passes[k].sfx, args.data ? args.data : "");
            else
                buf_printf(wrappers, "    %s:\n        return %s_%s(%s);\n", lbl, fn[i].name,
                           passes[k].sfx, args.data ? args.data : "");
        }
        buf_printf(wrappers, "    }\n}\n");
        buf_free(&sig);
        buf_free(&args);
    }
    buf_printf(wrappers, "#endif\n");
    free(fn);
    return 0;
}

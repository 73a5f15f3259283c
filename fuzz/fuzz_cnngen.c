/* fuzz_cnngen.c - libFuzzer target over the whole cnngen pipeline, in memory:
 *
 *   spec_parse -> shape_infer -> fold_batchnorms -> schedule -> check_gen_limits -> dump_ir -> emit_c (+ memory
 *   budget) -> report (text, markdown, json, dot) -> emit_pytorch
 *
 * Diagnostics and reports go to memory streams (open_memstream), code to Buf; no
 * file is written and nothing may exit(). The input is the YAML text itself (so
 * specs/ and tests/bad/ are the seed corpus); a cheap hash of it picks the
 * generation options (dtype override, unroll mode, inference-only, strict), so every
 * option combination is exercised without changing the input format.
 *
 * Build and run: make fuzz FUZZ_SECONDS=N (see fuzz/RUNS.md). A crashing or hanging
 * input goes to fuzz/regressions/, which tests/suite_hardening.sh replays through
 * ./cnngen and build/cnngen-asan.
 */
#define _GNU_SOURCE         /* memmem, open_memstream */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    char *src = malloc(size + 1);
    if (!src)
        return 0;
    memcpy(src, data, size);
    src[size] = 0;

    uint32_t hsh = 2166136261u;          /* FNV-1a: the options */
    for (size_t i = 0; i < size; i++)
        hsh = (hsh ^ data[i]) * 16777619u;

    char *dtext = NULL, *rtext = NULL;
    size_t dlen = 0, rlen = 0;
    FILE *dout = open_memstream(&dtext, &dlen);
    FILE *rout = open_memstream(&rtext, &rlen);
    if (!dout || !rout)
        abort();

    Diag d;
    diag_init(&d, "fuzz.yaml", src, size);
    d.out = dout;
    d.strict = (hsh >> 7) % 8 == 0;

    Options opt;
    memset(&opt, 0, sizeof opt);
    opt.spec_path = "fuzz.yaml";
    opt.out_path = "fuzz.c";
    opt.dtype_override = (int)((hsh >> 1) % 3) - 1;
    opt.unroll = (Unroll)((hsh >> 3) % 4);
    opt.inference_only = (hsh >> 5) & 1;

    Net net;
    memset(&net, 0, sizeof net);
    net.file = "fuzz.yaml";
    if (spec_parse(&net, &d, src, size) == 0) {
        if (opt.dtype_override >= 0)
            net.dtype = (Dtype)opt.dtype_override;
        shape_infer(&net, &d);
        if (!d.nerrors) {
            if (opt.inference_only)
                fold_batchnorms(&net);
            if (check_gen_limits(&net, &opt, &d) == 0)
                schedule(&net, opt.unroll);
            plan_params(&net);
        }
        if (!d.nerrors)
            dump_ir(rout, &net);
    }
    if (!d.nerrors) {
        opt.prefix = net.name;
        Buf c = {0}, h = {0}, py = {0};
        int budget = net.ram_limit || net.flash_limit;
        /* a net the front end accepted must generate: an emitter error would reach the
         * user as exit 2 without the positioned error of an invalid spec */
        if (emit_c(&net, &opt, "fuzz.h", &c, &h) != 0) {
            fprintf(stderr, "emit_c failed on a spec the front end accepted\n");
            abort();
        }
        if (budget)
            budget_compute(&net, &opt, 0, &c);
        report(rout, &net, FMT_TEXT);
        report(rout, &net, FMT_MARKDOWN);
        report(rout, &net, FMT_JSON);
        report_dot(rout, &net, FMT_DOT);
        if (budget) {
            budget_report(rout, &net, FMT_TEXT);
            budget_json(rout, &net);
            budget_check(&net, &d);
        }
        emit_pytorch(&net, &opt, &py);
        buf_free(&c);
        buf_free(&h);
        buf_free(&py);
        text_free_all();
    }
    fflush(dout);
    /* no diagnostic may be an internal error: message lines only (the source line
     * under a message may say anything), without what they quote from the input */
    for (const char *l = dtext; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        if (!strncmp(l, "fuzz.yaml:", 10)) {
            char own[512];
            size_t k = 0;
            char q = 0;
            for (size_t i = 0; i < n && k + 1 < sizeof own; i++) {
                if (q) {
                    if (l[i] == '\\')
                        i++;            /* an escaped quote or backslash */
                    else if (l[i] == q)
                        q = 0;
                } else if (l[i] == '\'' || l[i] == '"') {
                    q = l[i];
                } else {
                    own[k++] = l[i];
                }
            }
            own[k] = 0;
            if (strstr(own, "internal error")) {
                fprintf(stderr, "internal error in the diagnostics:\n%s\n", dtext);
                abort();
            }
        }
        l = e ? e + 1 : l + n;
    }
    /* an invalid spec must have said where: "fuzz.yaml:LINE:COL: error:" */
    if (d.nerrors && !(dtext && strstr(dtext, "fuzz.yaml:") && strstr(dtext, ": error: "))) {
        fprintf(stderr, "invalid spec without a positioned error; diagnostics:\n%s\n",
                dtext ? dtext : "(none)");
        abort();
    }
    fclose(dout);
    fclose(rout);
    free(dtext);
    free(rtext);
    net_free(&net);
    free(src);
    return 0;
}

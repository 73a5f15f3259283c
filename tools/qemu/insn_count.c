/* insn_count.c - a QEMU TCG plugin that counts guest instructions exactly between
 * marker calls (tests/mcu, bench/mcu.sh, examples/cortex-m4).
 *
 *   qemu-system-arm ... -plugin build/insn_count.so,mark=0xADDR
 *
 * Every executed instruction adds one to a counter (an inline add, so the count is exact
 * even when a translation block is left early). Each time the instruction at ADDR (the
 * first instruction of the guest's marker function, cnngen_mark) executes, the
 * counter's value is recorded; at exit the plugin prints one line per mark,
 * "insn_count mark K COUNT", to QEMU's log (stderr), and "insn_count total COUNT".
 * The instructions between marks k and k+1 are COUNT[k+1] - COUNT[k], which includes
 * the marker's own call sequence: the guest measures that with two marks in a row.
 *
 *
 * With prof=FILE it also counts each instruction address (code below 4 MB, the MPS2
 * code memory) and writes "ADDR COUNT" lines for the executed ones to FILE at exit, for
 * a per-function profile; with from=A (default 2) the counts are those between marks A
 * and A + 1 (the driver's forward pass).
 *
 * QEMU's plugin API is a C ABI; the few declarations it needs are below (QEMU 7.2's
 * qemu-plugin.h, plugin API version 1; Debian does not ship the header).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the plugin API (QEMU 7.2) */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

#define MAX_MARKS 4096

static uint64_t count;          /* instructions executed (one vCPU: the M4) */
static uint64_t mark_addr = UINT64_MAX;
static uint64_t marks[MAX_MARKS];
static int nmarks, overflow;
#define PROF_SPAN (4u << 20)     /* bytes of code profiled, from address 0 */
static uint64_t *prof;          /* per halfword address */
static const char *prof_path;
static uint64_t *prof_at;       /* the counts at mark prof_from */
static int prof_from = 2, prof_done;

static void on_mark(unsigned int vcpu, void *u)
{
    (void)vcpu;
    (void)u;
    if (nmarks < MAX_MARKS)
        marks[nmarks++] = count;
    else
        overflow = 1;
    if (prof && nmarks - 1 == prof_from)
        memcpy(prof_at, prof, PROF_SPAN / 2 * sizeof *prof);
    if (prof && nmarks - 1 == prof_from + 1) {     /* the span's counts, frozen */
        for (uint64_t i = 0; i < PROF_SPAN / 2; i++)
            prof_at[i] = prof[i] - prof_at[i];
        prof_done = 1;
    }
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (qemu_plugin_insn_vaddr(insn) == mark_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &count, 1);
        uint64_t a = qemu_plugin_insn_vaddr(insn);
        if (prof && a < PROF_SPAN)
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                       &prof[a / 2], 1);
    }
}

static void on_exit_(qemu_plugin_id_t id, void *u)
{
    char line[96];
    (void)id;
    (void)u;
    for (int i = 0; i < nmarks; i++) {
        snprintf(line, sizeof line, "insn_count mark %d %" PRIu64 "\n", i, marks[i]);
        qemu_plugin_outs(line);
    }
    if (overflow)
        qemu_plugin_outs("insn_count: more than 4096 marks, the rest were not recorded\n");
    snprintf(line, sizeof line, "insn_count total %" PRIu64 "\n", count);
    qemu_plugin_outs(line);
    if (prof) {
        FILE *f = fopen(prof_path, "w");
        if (!f) {
            qemu_plugin_outs("insn_count: cannot write the profile\n");
            return;
        }
        const uint64_t *c = prof_done ? prof_at : prof;
        for (uint64_t i = 0; i < PROF_SPAN / 2; i++)
            if (c[i])
                fprintf(f, "%" PRIx64 " %" PRIu64 "\n", i * 2, c[i]);
        fclose(f);
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "mark=", 5) == 0)
            mark_addr = strtoull(argv[i] + 5, NULL, 0);
        else if (strncmp(argv[i], "prof=", 5) == 0) {
            prof_path = argv[i] + 5;
            prof = calloc(PROF_SPAN / 2, sizeof *prof);
            prof_at = calloc(PROF_SPAN / 2, sizeof *prof_at);
            if (!prof || !prof_at)
                return -1;
        } else if (strncmp(argv[i], "from=", 5) == 0)
            prof_from = atoi(argv[i] + 5);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
    qemu_plugin_register_atexit_cb(id, on_exit_, NULL);
    return 0;
}

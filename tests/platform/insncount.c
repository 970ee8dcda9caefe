/*
 * A QEMU TCG plugin that counts the guest instructions a program executes,
 * in every thread, and prints the total when it exits: the arm64 build's
 * counterpart of callgrind's instruction count, which valgrind cannot give
 * for a foreign architecture.  `make bench` uses it with qemu-user
 * (qemu-aarch64 -plugin insncount.so,out=FILE).
 *
 * Debian 12's qemu-user (7.2) is built with plugin support but ships no
 * plugins and no qemu-plugin.h, so the few declarations needed are below;
 * they are QEMU's stable plugin API, version 1.  A translation block's
 * instruction count is added, atomically, each time the block runs: the
 * fast replay reads ahead on a second thread.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
    struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
    void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
    qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
    qemu_plugin_vcpu_udata_cb_t cb, enum qemu_plugin_cb_flags flags,
    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
    qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;
EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
    int argc, char **argv);

static _Atomic uint64_t executed;
static char out[4096];

static void
tb_exec(unsigned int vcpu_index, void *userdata)
{
	(void)vcpu_index;
	atomic_fetch_add_explicit(&executed, (uint64_t)(uintptr_t)userdata,
	    memory_order_relaxed);
}

static void
tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec,
	    QEMU_PLUGIN_CB_NO_REGS,
	    (void *)(uintptr_t)qemu_plugin_tb_n_insns(tb));
}

static void
at_exit(qemu_plugin_id_t id, void *userdata)
{
	char line[64];
	FILE *f;

	(void)id;
	(void)userdata;
	snprintf(line, sizeof line, "%llu\n",
	    (unsigned long long)atomic_load(&executed));
	if (out[0] == '\0') {
		qemu_plugin_outs(line);
		return;
	}
	f = fopen(out, "w");
	if (f == NULL || fputs(line, f) == EOF || fclose(f) != 0)
		qemu_plugin_outs("insncount: cannot write the count\n");
}

EXPORT int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
    char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "out=", 4) != 0 ||
		    snprintf(out, sizeof out, "%s", argv[i] + 4) >=
		    (int)sizeof out)
			return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}

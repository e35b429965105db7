/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * insn_window: a QEMU TCG plugin that counts guest instructions, kernel and
 * user apart, between pairs of marker instructions the guest executes.
 *
 * The marker is "xchg %rbx,%rbx" (48 87 db), an instruction compilers never
 * emit. The guest program executes it just before and just after the window
 * it wants measured (nvme-qbench: its measured interval); every pair closes
 * one window, and the plugin appends one line per window to the file named
 * by the out= argument:
 *
 *   window=N kernel=K user=U
 *
 * Instructions are counted per translation block, at block entry, with an
 * inline add (no helper call per instruction, so the guest slows by about a
 * third rather than several times); the block goes to the kernel counter
 * when its address has the sign bit set (x86-64 kernel half). Counting
 * whole blocks at entry over-counts a block left early by an exception or
 * interrupt by at most its length.
 *
 * Counters are shared by all vCPUs without atomics: use one vCPU (the lab's
 * default), or read the figures as approximate.
 *
 * Usage: qemu-system-x86_64 ... -plugin file=insn_window.so,out=FILE
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static const unsigned char marker[] = { 0x48, 0x87, 0xdb };

static uint64_t kernel_insns, user_insns;
static uint64_t start_kernel, start_user;
static unsigned int windows;
static int in_window;
static FILE *out;

static void on_marker(unsigned int vcpu_index, void *udata)
{
	if (!in_window) {
		start_kernel = kernel_insns;
		start_user = user_insns;
		in_window = 1;
		return;
	}
	in_window = 0;
	windows++;
	fprintf(out, "window=%u kernel=%" PRIu64 " user=%" PRIu64 "\n", windows,
		kernel_insns - start_kernel, user_insns - start_user);
	fflush(out);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	int kernel = (qemu_plugin_tb_vaddr(tb) >> 63) & 1;

	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 kernel ? &kernel_insns : &user_insns, n);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (qemu_plugin_insn_size(insn) == sizeof(marker) &&
		    !memcmp(qemu_plugin_insn_data(insn), marker, sizeof(marker)))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
	if (in_window)
		fprintf(out, "unclosed-window kernel=%" PRIu64 " user=%" PRIu64 "\n",
			kernel_insns - start_kernel, user_insns - start_user);
	fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL;

	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			path = argv[i] + 4;
		} else {
			fprintf(stderr, "insn_window: unknown argument '%s' (accepted: out=FILE)\n",
				argv[i]);
			return -1;
		}
	}
	if (!path) {
		fprintf(stderr, "insn_window: out=FILE is required\n");
		return -1;
	}
	out = fopen(path, "a");
	if (!out) {
		perror(path);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}

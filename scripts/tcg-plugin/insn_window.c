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
 *   window=N kernel=K user=U polls=P empty_polls=E empty_kernel=EK empty_user=EU
 *
 * Two more markers let a program set apart the instructions of kernel polls
 * that found nothing, inside a window: "xchg %rcx,%rcx" (48 87 c9) just
 * before it enters the kernel to poll, and "xchg %rdx,%rdx" (48 87 d2) just
 * after, when that poll found nothing. P counts polls begun, E the empty
 * ones, and EK/EU the kernel/user instructions from the start of each empty
 * poll to its empty mark (included in K and U). Programs that never poll
 * this way get zeros.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

#include "plugin_out.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum mark { MARK_WINDOW, MARK_POLL, MARK_EMPTY };

static const unsigned char markers[][3] = {
	[MARK_WINDOW] = { 0x48, 0x87, 0xdb },	/* xchg %rbx,%rbx */
	[MARK_POLL] = { 0x48, 0x87, 0xc9 },	/* xchg %rcx,%rcx */
	[MARK_EMPTY] = { 0x48, 0x87, 0xd2 },	/* xchg %rdx,%rdx */
};

static uint64_t kernel_insns, user_insns;
static uint64_t start_kernel, start_user;
static uint64_t poll_kernel, poll_user;	/* counters when the last poll began */
static uint64_t polls, empty_polls, empty_kernel, empty_user;
static int in_poll;
static unsigned int windows;
static int in_window;
static FILE *out;

static void on_window(void)
{
	if (!in_window) {
		start_kernel = kernel_insns;
		start_user = user_insns;
		polls = empty_polls = empty_kernel = empty_user = 0;
		in_poll = 0;
		in_window = 1;
		return;
	}
	in_window = 0;
	windows++;
	fprintf(out, "window=%u kernel=%" PRIu64 " user=%" PRIu64 " polls=%" PRIu64
		" empty_polls=%" PRIu64 " empty_kernel=%" PRIu64 " empty_user=%" PRIu64 "\n",
		windows, kernel_insns - start_kernel, user_insns - start_user, polls,
		empty_polls, empty_kernel, empty_user);
	fflush(out);
}

static void on_marker(unsigned int vcpu_index, void *udata)
{
	switch ((enum mark)(uintptr_t)udata) {
	case MARK_WINDOW:
		on_window();
		break;
	case MARK_POLL:
		if (!in_window)
			break;
		polls++;
		poll_kernel = kernel_insns;
		poll_user = user_insns;
		in_poll = 1;
		break;
	case MARK_EMPTY:
		if (!in_window || !in_poll)
			break;
		empty_polls++;
		empty_kernel += kernel_insns - poll_kernel;
		empty_user += user_insns - poll_user;
		in_poll = 0;
		break;
	}
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	int kernel = (qemu_plugin_tb_vaddr(tb) >> 63) & 1;

	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 kernel ? &kernel_insns : &user_insns, n);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (qemu_plugin_insn_size(insn) != sizeof(markers[0]))
			continue;
		for (uintptr_t m = 0; m < sizeof(markers) / sizeof(markers[0]); m++)
			if (!memcmp(qemu_plugin_insn_data(insn), markers[m], sizeof(markers[m])))
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
								       QEMU_PLUGIN_CB_NO_REGS,
								       (void *)m);
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
	out = plugin_open_out("insn_window", argc, argv);
	if (!out)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}

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
 * With mmio=on the plugin also counts the guest's stores to device memory
 * inside windows, and appends to each window line
 *
 *   mmio_doorbell=D mmio_other=O
 *
 * D: stores to an NVMe controller's doorbells (its BAR0 region "nvme" at
 * offset 0x1000 and up); O: every other store to an I/O region (the local
 * APIC's EOI, "apic-msi", above all; the NVMe registers below 0x1000).
 * Under virtualization each such store is an exit, so these are the
 * figures batching and shadow doorbells change. Port I/O (in/out) is not
 * a memory access and is not counted. The cost is high: every guest store
 * then calls the plugin (a helper call per store, and a TLB lookup for its
 * physical address), which slows the guest severalfold and shifts its
 * instruction counts (more timer ticks and device completions land in a
 * window that lasts longer): count MMIO in runs of their own, never in the
 * runs whose instructions are compared. Without mmio=on (or with
 * mmio=off) no memory callback is registered and the lines are as above.
 *
 * Counters are shared by all vCPUs without atomics: use one vCPU (the lab's
 * default), or read the figures as approximate.
 *
 * Usage: qemu-system-x86_64 ... -plugin file=insn_window.so,out=FILE[,mmio=on]
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
static int count_mmio;	/* mmio=on */
static uint64_t mmio_doorbell, mmio_other;	/* stores in the open window */

/*
 * QEMU's hw/nvme (7.2) names the MemoryRegion of BAR0's registers and
 * doorbells "nvme" (the MSI-X table and PBA that follow in the BAR are
 * regions of their own). Doorbells start at offset 0x1000.
 *
 * For an I/O store, QEMU 7.2's qemu_plugin_hwaddr_phys_addr() returns the
 * guest-physical address: the start of the region's section in the address
 * space plus the offset inside the MemoryRegion (the lab's controller:
 * 0xfe401008 for queue 1's SQ doorbell, the BAR at 0xfe400000). A BAR is
 * aligned to its size, a power of two at least twice the "nvme" region's
 * first page, so the address's low 13 bits are the offset inside the BAR
 * while the doorbells fit in the page after the registers: fewer than 512
 * queue pairs at the emulated controller's doorbell stride of 4 bytes.
 */
static const char nvme_region[] = "nvme";
#define NVME_DOORBELLS 0x1000
#define NVME_BAR_MIN_ALIGN 0x2000

static uint64_t nvme_bar_offset(uint64_t phys)
{
	return phys & (NVME_BAR_MIN_ALIGN - 1);
}

static void on_window(void)
{
	if (!in_window) {
		start_kernel = kernel_insns;
		start_user = user_insns;
		polls = empty_polls = empty_kernel = empty_user = 0;
		mmio_doorbell = mmio_other = 0;
		in_poll = 0;
		in_window = 1;
		return;
	}
	in_window = 0;
	windows++;
	fprintf(out, "window=%u kernel=%" PRIu64 " user=%" PRIu64 " polls=%" PRIu64
		" empty_polls=%" PRIu64 " empty_kernel=%" PRIu64 " empty_user=%" PRIu64,
		windows, kernel_insns - start_kernel, user_insns - start_user, polls,
		empty_polls, empty_kernel, empty_user);
	if (count_mmio)
		fprintf(out, " mmio_doorbell=%" PRIu64 " mmio_other=%" PRIu64,
			mmio_doorbell, mmio_other);
	fputc('\n', out);
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

/*
 * Every guest store, with mmio=on. Outside windows it returns at once;
 * inside, RAM stores (nearly all of them) cost the address lookup only.
 */
static void on_store(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
		     void *udata)
{
	struct qemu_plugin_hwaddr *hw;

	if (!in_window)
		return;
	hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw || !qemu_plugin_hwaddr_is_io(hw))
		return;
	if (!strcmp(qemu_plugin_hwaddr_device_name(hw), nvme_region) &&
	    nvme_bar_offset(qemu_plugin_hwaddr_phys_addr(hw)) >= NVME_DOORBELLS)
		mmio_doorbell++;
	else
		mmio_other++;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	int kernel = (qemu_plugin_tb_vaddr(tb) >> 63) & 1;

	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 kernel ? &kernel_insns : &user_insns, n);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (count_mmio)
			qemu_plugin_register_vcpu_mem_cb(insn, on_store, QEMU_PLUGIN_CB_NO_REGS,
							 QEMU_PLUGIN_MEM_W, NULL);
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
	static const struct plugin_switch switches[] = { { "mmio", &count_mmio } };

	out = plugin_parse_args("insn_window", argc, argv, switches,
				sizeof(switches) / sizeof(switches[0]), "out=FILE, mmio=on|off");
	if (!out)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}

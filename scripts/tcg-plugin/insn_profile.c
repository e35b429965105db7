/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * insn_profile: a QEMU TCG plugin that attributes guest kernel instructions
 * to the code that executed them, inside the windows nvme-qbench marks (the
 * same "xchg %rbx,%rbx" marker pairs insn_window counts). Where a cpu-clock
 * sample profile shows time, including the time an emulated device takes
 * inside an MMIO access, this shows exactly which kernel code runs how many
 * instructions per I/O.
 *
 * At the end of each window it appends to the file named by out=:
 *
 *   window N
 *   ADDRESS INSTRUCTIONS     (one line per kernel translation block start,
 *   ...                       hex address, blocks that ran in the window)
 *
 * scripts/insn-profile maps the addresses to functions with the kernel's
 * System.map. Counts are per block at block entry, as in insn_window, with
 * one inline add per block execution; blocks translated more than once
 * (after a TB flush) are summed by address.
 *
 * Usage: qemu-system-x86_64 ... -plugin file=insn_profile.so,out=FILE
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

#include "plugin_out.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static const unsigned char window_marker[] = { 0x48, 0x87, 0xdb };

struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t execs;		/* bumped inline by the translated code */
};

/*
 * Blocks live in chunks that are never moved or freed: the translated code
 * holds the address of each block's counter.
 */
#define CHUNK 65536
static struct block **chunks;
static size_t nr_blocks, nr_chunks;
static unsigned int windows;
static int in_window;
static FILE *out;

static struct block *new_block(uint64_t vaddr, uint64_t insns)
{
	struct block *b;

	if (nr_blocks == nr_chunks * CHUNK) {
		chunks = realloc(chunks, (nr_chunks + 1) * sizeof(*chunks));
		chunks[nr_chunks] = calloc(CHUNK, sizeof(struct block));
		if (!chunks || !chunks[nr_chunks]) {
			fprintf(stderr, "insn_profile: out of memory\n");
			exit(1);
		}
		nr_chunks++;
	}
	b = &chunks[nr_blocks / CHUNK][nr_blocks % CHUNK];
	nr_blocks++;
	b->vaddr = vaddr;
	b->insns = insns;
	return b;
}

#define for_each_block(b, i) \
	for (i = 0; i < nr_blocks && ((b) = &chunks[i / CHUNK][i % CHUNK]); i++)

static void on_window(unsigned int vcpu_index, void *udata)
{
	struct block *b;
	size_t i;

	if (!in_window) {
		for_each_block(b, i)
			b->execs = 0;
		in_window = 1;
		return;
	}
	in_window = 0;
	fprintf(out, "window %u\n", ++windows);
	for_each_block(b, i)
		if (b->execs)
			fprintf(out, "%" PRIx64 " %" PRIu64 "\n", b->vaddr, b->execs * b->insns);
	fflush(out);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	size_t n = qemu_plugin_tb_n_insns(tb);

	if (vaddr >> 63) {
		struct block *b = new_block(vaddr, n);

		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &b->execs, 1);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (qemu_plugin_insn_size(insn) == sizeof(window_marker) &&
		    !memcmp(qemu_plugin_insn_data(insn), window_marker, sizeof(window_marker)))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_window,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
	if (in_window)
		fprintf(out, "unclosed-window\n");
	fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	out = plugin_open_out("insn_profile", argc, argv);
	if (!out)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Description: a guest program with a known instruction count between two
 * marker instructions (xchg %rbx,%rbx), so lab tests can check the
 * instruction-counting TCG plugin: the loop runs exactly 2 * N user
 * instructions (dec, jnz) inside the window.
 *
 * usage: marker_loop N
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	unsigned long n;

	if (argc != 2 || (n = strtoul(argv[1], NULL, 0)) == 0) {
		fprintf(stderr, "usage: marker_loop N (N > 0)\n");
		return 2;
	}
	__asm__ volatile("xchg %%rbx, %%rbx\n\t"
			 "1: dec %0\n\t"
			 "jnz 1b\n\t"
			 "xchg %%rbx, %%rbx"
			 : "+r"(n) : : "rbx", "cc", "memory");
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Description: a guest program with a known instruction count between two
 * marker instructions (xchg %rbx,%rbx), so lab tests can check the TCG
 * plugins: the loop runs exactly 2 * N user instructions (dec, jnz) inside
 * the window. With --syscalls, the window holds N getppid() system calls
 * instead, a known kernel path for the instruction profile.
 *
 * usage: marker_loop [--syscalls] N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void mark(void)
{
	__asm__ volatile("xchg %%rbx, %%rbx" : : : "rbx", "memory");
}

int main(int argc, char **argv)
{
	int syscalls = argc == 3 && !strcmp(argv[1], "--syscalls");
	unsigned long n;

	if (argc != 2 + syscalls || (n = strtoul(argv[argc - 1], NULL, 0)) == 0) {
		fprintf(stderr, "usage: marker_loop [--syscalls] N (N > 0)\n");
		return 2;
	}
	if (syscalls) {
		mark();
		while (n--)
			syscall(SYS_getppid);
		mark();
		return 0;
	}
	__asm__ volatile("xchg %%rbx, %%rbx\n\t"
			 "1: dec %0\n\t"
			 "jnz 1b\n\t"
			 "xchg %%rbx, %%rbx"
			 : "+r"(n) : : "rbx", "cc", "memory");
	return 0;
}

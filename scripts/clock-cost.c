/*
 * clock-cost.c - what one clock read costs on this machine, for `make bench`'s unit.
 *
 * vt reads the clock once per record (a call or a return). `make bench` gives the cost of
 * a recorded call above the floor in ns and in clock reads, so that the figure means the
 * same on a CPU where rdtsc is cheap and one where it is not. This prints the cost of one
 * read of each clock vt can use, read back to back in a loop: the TSC (rdtsc, shifted to
 * a tick as libvt.so does), and CLOCK_MONOTONIC through the vDSO (VT_CLOCK=ns, or no
 * invariant TSC).
 *
 * Usage: clock-cost [N]   prints "tsc NS" and "mono NS" (the best of 5 runs of N reads)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32 | lo) >> 1;
}
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

/* ns per read of @clock over @n reads, each one's value feeding the next loop's test */
static double per_read(uint64_t (*clock)(void), long n)
{
	volatile uint64_t sink = 0;
	uint64_t t0 = mono_ns(), acc = 0;

	for (long i = 0; i < n; i++)
		acc += clock();
	sink = acc;
	(void)sink;
	return (double)(mono_ns() - t0) / (double)n;
}

static double best(uint64_t (*clock)(void), long n)
{
	double b = per_read(clock, n / 10); /* warm up */

	for (int i = 0; i < 5; i++) {
		double v = per_read(clock, n);

		if (i == 0 || v < b)
			b = v;
	}
	return b;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 5000000;

	if (n <= 0) {
		fprintf(stderr, "clock-cost: N must be a positive count of reads\n");
		return 2;
	}
#if HAVE_TSC
	printf("tsc %.2f\n", best(tsc, n));
#endif
	printf("mono %.2f\n", best(mono_ns, n));
	return 0;
}

/*
 * bench/common.h - timing helpers for the engines' host benchmarks:
 * a monotonic nanosecond clock, and min/median over samples taken
 * interleaved (each round measures every candidate once, in turn, so
 * frequency changes and noisy neighbours hit all of them alike).
 */
#ifndef SHROUD_BENCH_COMMON_H
#define SHROUD_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t bench_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bench_cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct bench_stat {
	double min, median;
};

/* Sorts v in place. */
static inline struct bench_stat bench_stats(double *v, int n)
{
	struct bench_stat s;

	qsort(v, (size_t)n, sizeof(*v), bench_cmp_d);
	s.min = v[0];
	s.median = (n & 1) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

#endif /* SHROUD_BENCH_COMMON_H */

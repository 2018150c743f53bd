/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/shroudctl-ext.c - shroudctl's list, stats and events subcommands
 * (issue item 6), written on libshroud.  NOT a program of its own: the
 * lead merges it into guest/shroudctl.c by
 *   1. including libshroud's header next to <shroud/abi.h>, hiding its
 *      shroud_present() declaration (shroudctl has a static function of
 *      that name with another type):
 *        #define shroud_present libshroud_present
 *        #include "libshroud/shroud.h"
 *        #undef shroud_present
 *      and #include "shroudctl-ext.c" after not_shroud() (it uses struct
 *      opts, not_shroud(), EXIT_NOT_SHROUD, EXIT_USAGE from there);
 *   2. adding the rows
 *      { "list", cmd_list, "list partitions (id, range, class, tier, clear frames)" },
 *      { "stats", cmd_stats, "global protected-memory counters" },
 *      { "events", cmd_events, "events of this caller's partitions [--clear]" },
 *      to cmd_table[];
 *   3. linking $(BUILD)/guest/libshroud.a (mk/guest-lib.mk) and adding
 *      -I$(TOP)/guest to shroudctl's build.
 *
 *   shroudctl [--json] list     one line per partition (QUERY of each LIST id)
 *   shroudctl [--json] stats    the counters of struct shroud_stats
 *   shroudctl [--json] events [--clear]
 *                               the caller's events (root/CPL 3 sees its own;
 *                               the ABI shows all events only to CPL 0)
 * Exit status as shroudctl's: 0, 1 not under Shroud or the call failed
 * (ENODEV when the hypervisor offers ABI 1.0 only), 2 usage.
 */
#include <errno.h>

static int ext_fail(const struct opts *o, const char *what)
{
	if (errno == ENODEV)
		return not_shroud(o);
	fprintf(stderr, "shroudctl: %s: %s\n", what, shroud_strerror(errno));
	return EXIT_NOT_SHROUD;
}

static int cmd_list(const struct opts *o, int argc, char **argv)
{
	struct shroud_part p;
	int id = 0, n = 0;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (o->json)
		printf("[");
	while ((id = shroud_list(id)) > 0) {
		if (shroud_query(id, &p) < 0)
			continue;	/* went away between LIST and QUERY */
		if (o->json)
			printf("%s{\"id\": %u, \"gva\": \"0x%llx\", \"len\": %llu, "
			       "\"sensitivity\": \"%s\", \"policy\": \"%s\", "
			       "\"tier\": \"%s\", \"mine\": %s, \"integrity\": %s, "
			       "\"clear_frames\": %llu}", n ? ", " : "", p.id,
			       (unsigned long long)p.gva, (unsigned long long)p.len,
			       shroud_sens_name(p.sensitivity),
			       shroud_policy_name(p.policy),
			       shroud_tier_name(p.tier), p.mine ? "true" : "false",
			       p.integrity ? "true" : "false",
			       (unsigned long long)p.clear_frames);
		else
			printf("%4u 0x%012llx %8llu %-12s %-10s %-9s %s%s clear=%llu\n",
			       p.id, (unsigned long long)p.gva,
			       (unsigned long long)p.len,
			       shroud_sens_name(p.sensitivity),
			       shroud_policy_name(p.policy),
			       shroud_tier_name(p.tier), p.integrity ? "gcm" : "xts",
			       p.mine ? " mine" : "",
			       (unsigned long long)p.clear_frames);
		n++;
	}
	if (id < 0) {
		if (o->json)
			printf("]\n");
		return ext_fail(o, "list");
	}
	if (o->json)
		printf("]\n");
	else if (!n)
		printf("no partitions\n");
	return 0;
}

struct stat_row {
	const char *name;
	uint64_t v;
};

/* shroudctl klock: the kernel-integrity lock (one-way until reset). */
static int cmd_klock(const struct opts *o, int argc, char **argv)
{
	long n;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	n = shroud_klock();
	if (n < 0 && errno == EBUSY) {
		fprintf(stderr, "shroudctl: klock: the kernel is already "
			"locked\n");
		return EXIT_NOT_SHROUD;
	}
	if (n < 0)
		return ext_fail(o, "klock");
	printf(o->json ? "{\"klock\": true, \"text_frames\": %ld}\n" :
	       "kernel locked: %ld kernel-text frames\n", n);
	return 0;
}

static int cmd_stats(const struct opts *o, int argc, char **argv)
{
	struct shroud_stats s;
	size_t i, n;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (shroud_stats(&s) < 0)
		return ext_fail(o, "stats");
	{
		const struct stat_row rows[] = {
			{ "partitions", s.partitions }, { "faults", s.faults },
			{ "decryptions", s.decryptions },
			{ "encryptions", s.encryptions },
			{ "evictions", s.evictions }, { "denials", s.denials },
			{ "tamper", s.tamper }, { "anomalies", s.anomalies },
			{ "remaps", s.remaps },
			{ "protected_frames", s.protected_frames },
			{ "clear_frames", s.clear_frames },
			{ "foreign_reads", s.foreign_reads },
			{ "events_dropped", s.events_dropped },
			{ "klock_text_frames", s.klock_text_frames },
			{ "klock_refused", s.klock_refused },
		};

		n = sizeof(rows) / sizeof(rows[0]);
		if (o->json)
			printf("{");
		for (i = 0; i < n; i++)
			printf(o->json ? "%s\"%s\": %llu" : "%s%s %llu\n",
			       o->json && i ? ", " : "", rows[i].name,
			       (unsigned long long)rows[i].v);
		if (o->json)
			printf("}\n");
	}
	return 0;
}

static int cmd_events(const struct opts *o, int argc, char **argv)
{
	static struct shroud_event ev[256];
	unsigned flags = 0;
	int n, i;

	if (argc == 1 && strcmp(argv[0], "--clear") == 0)
		flags = SHROUD_EVF_CLEAR;
	else if (argc != 0)
		return EXIT_USAGE;
	n = shroud_events(ev, 256, flags);
	if (n < 0)
		return ext_fail(o, "events");
	if (o->json)
		printf("[");
	for (i = 0; i < n; i++)
		printf(o->json ? "%s{\"seq\": %llu, \"type\": \"%s\", \"part\": %u, "
			"\"gva\": \"0x%llx\", \"info\": \"0x%llx\"}" :
			"%s%llu %s part=%u gva=0x%llx info=0x%llx\n",
		       o->json && i ? ", " : "", (unsigned long long)ev[i].seq,
		       shroud_event_name(ev[i].type), ev[i].part_id,
		       (unsigned long long)ev[i].gva,
		       (unsigned long long)ev[i].info);
	if (o->json)
		printf("]\n");
	else if (!n)
		printf("no events\n");
	return 0;
}

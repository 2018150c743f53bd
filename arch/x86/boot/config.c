/*
 * arch/x86/boot/config.c - parser of shroud.cfg (format in config.h).
 * Every malformed input is an error naming the line: the loader then stops
 * before it virtualizes anything, so a bad file never half-starts Shroud.
 */
#include "arch/x86/boot/config.h"

#define KEY_SEEN(bit)	(1u << (bit))

enum cfg_key {
	K_KERNEL, K_INITRD, K_CMDLINE, K_LOG_LEVEL, K_HV_MEMORY_MB,
	K_LOG_PORT, K_VIRTUALIZE, K_EXPOSE_HV_MEMORY, K_RESET_WIPE, K_HARDENED,
	K_KERNEL_LOCK, K_SHOOTDOWN, K_SELF_CHECK, K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"kernel", "initrd", "cmdline", "log_level", "hv_memory_mb",
	"log_port", "virtualize", "expose_hv_memory", "reset_wipe", "hardened",
	"kernel_lock", "shootdown", "self_check",
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int span_eq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lit[i] || lit[i] != s[i])
			return 0;
	return lit[n] == 0;
}

static int fail(struct cfg_error *err, unsigned line, const char *msg,
		const char *key, size_t key_len)
{
	size_t i;

	err->line = line;
	err->msg = msg;
	for (i = 0; i < key_len && i < sizeof(err->key) - 1; i++)
		err->key[i] = key[i];
	err->key[i] = 0;
	return CFG_EINVAL;
}

static int copy_str(char *dst, size_t cap, const char *v, size_t n)
{
	size_t i;

	if (n >= cap)
		return -ENG_EINVAL;
	for (i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return -ENG_EINVAL;
		dst[i] = v[i];
	}
	dst[n] = 0;
	return 0;
}

/* Unsigned decimal or 0x-prefixed hexadecimal, at most 32 bits. */
static int parse_uint(const char *v, size_t n, uint32_t *out)
{
	uint64_t x = 0;
	unsigned base = 10;
	size_t i = 0;

	if (n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -ENG_EINVAL;
	for (; i < n; i++) {
		char c = v[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -ENG_EINVAL;
		x = x * base + d;
		if (x > 0xffffffffull)
			return -ENG_EINVAL;
	}
	*out = (uint32_t)x;
	return 0;
}

static int parse_bool(const char *v, size_t n, uint8_t *out)
{
	if (span_eq(v, n, "yes") || span_eq(v, n, "true") || span_eq(v, n, "1"))
		*out = 1;
	else if (span_eq(v, n, "no") || span_eq(v, n, "false") ||
		 span_eq(v, n, "0"))
		*out = 0;
	else
		return -ENG_EINVAL;
	return 0;
}

static const char *set_path(char *dst, const char *v, size_t n)
{
	if (n == 0 || v[0] != '\\')
		return "path must start with '\\' (an absolute path on the ESP)";
	if (copy_str(dst, CFG_PATH_MAX, v, n))
		return "path too long or not printable ASCII";
	return 0;
}

static const char *set_log_level(struct shroud_cfg *c, const char *v, size_t n)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	uint32_t i;

	for (i = 0; i < 4; i++) {
		if (span_eq(v, n, names[i])) {
			c->log_level = i;
			return 0;
		}
	}
	return "log_level must be error, warn, info or debug";
}

static const char *set_value(struct shroud_cfg *c, enum cfg_key k,
			     const char *v, size_t n)
{
	uint32_t x;

	switch (k) {
	case K_KERNEL:
		return set_path(c->kernel, v, n);
	case K_INITRD:
		return set_path(c->initrd, v, n);
	case K_CMDLINE:
		return copy_str(c->cmdline, CFG_CMDLINE_MAX, v, n) ?
			"command line too long or not printable ASCII" : 0;
	case K_LOG_LEVEL:
		return set_log_level(c, v, n);
	case K_HV_MEMORY_MB:
		if (parse_uint(v, n, &x) || x < 8 || x > 1024 || (x & 1))
			return "hv_memory_mb must be an even number from 8 to 1024";
		c->hv_memory_mb = x;
		return 0;
	case K_LOG_PORT:
		if (parse_uint(v, n, &x) || x == 0 || x > 0xfff8 || (x & 7))
			return "log_port must be an 8-aligned I/O port below 0xfff8";
		if (x == 0x3f8)
			return "log_port 0x3f8 (COM1) belongs to the guest console";
		c->log_port = (uint16_t)x;
		return 0;
	case K_VIRTUALIZE:
		return parse_bool(v, n, &c->virtualize) ? "expected yes or no" : 0;
	case K_EXPOSE_HV_MEMORY:
		return parse_bool(v, n, &c->expose_hv_memory) ?
			"expected yes or no" : 0;
	case K_RESET_WIPE:
		return parse_bool(v, n, &c->reset_wipe) ?
			"expected yes or no" : 0;
	case K_HARDENED:
		return parse_bool(v, n, &c->hardened) ?
			"expected yes or no" : 0;
	case K_KERNEL_LOCK:
		return parse_bool(v, n, &c->kernel_lock) ?
			"expected yes or no" : 0;
	case K_SHOOTDOWN:
		return parse_bool(v, n, &c->shootdown) ?
			"expected yes or no" : 0;
	case K_SELF_CHECK:
		return parse_bool(v, n, &c->self_check) ?
			"expected yes or no" : 0;
	default:
		return "unknown key";
	}
}

static void set_defaults(struct shroud_cfg *c)
{
	size_t i;
	char *p = (char *)c;

	for (i = 0; i < sizeof(*c); i++)
		p[i] = 0;
	c->log_level = 2;
	c->hv_memory_mb = 32;
	c->log_port = 0x2f8;
	c->virtualize = 1;
	c->reset_wipe = 1;
	c->shootdown = 1;
}

/* Parse one line [s, e); returns 0 or CFG_EINVAL. */
static int parse_line(struct shroud_cfg *c, const char *s, const char *e,
		      unsigned line, unsigned *seen, struct cfg_error *err)
{
	const char *eq, *ke, *vs;
	const char *msg;
	unsigned k;

	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	if (s == e || *s == '#')
		return 0;
	for (eq = s; eq < e && *eq != '='; eq++)
		;
	if (eq == e)
		return fail(err, line, "expected `key = value`", 0, 0);
	for (ke = eq; ke > s && is_blank(ke[-1]); ke--)
		;
	for (vs = eq + 1; vs < e && is_blank(*vs); vs++)
		;
	for (k = 0; k < K_COUNT; k++)
		if (span_eq(s, (size_t)(ke - s), key_names[k]))
			break;
	if (k == K_COUNT)
		return fail(err, line, "unknown key", s, (size_t)(ke - s));
	if (*seen & KEY_SEEN(k))
		return fail(err, line, "key given twice", s, (size_t)(ke - s));
	*seen |= KEY_SEEN(k);
	msg = set_value(c, (enum cfg_key)k, vs, (size_t)(e - vs));
	if (msg)
		return fail(err, line, msg, s, (size_t)(ke - s));
	return 0;
}

int cfg_parse(const char *buf, size_t len, struct shroud_cfg *out,
	      struct cfg_error *err)
{
	const char *p = buf, *end = buf + len;
	unsigned line = 1, seen = 0;
	int rc;

	set_defaults(out);
	err->line = 0;
	err->msg = 0;
	err->key[0] = 0;
	if (len >= 3 && (unsigned char)p[0] == 0xef &&
	    (unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf)
		p += 3;
	while (p < end) {
		const char *nl = p;

		while (nl < end && *nl != '\n') {
			if (*nl == 0)
				return fail(err, line, "NUL byte in file", 0, 0);
			nl++;
		}
		rc = parse_line(out, p, nl, line, &seen, err);
		if (rc)
			return rc;
		p = nl + 1;
		line++;
	}
	if (!(seen & KEY_SEEN(K_KERNEL)))
		return fail(err, 0, "missing required key", "kernel",
			    str_len("kernel"));
	return 0;
}

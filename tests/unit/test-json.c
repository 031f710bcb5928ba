/*
 * test-json.c - tools/json.c: the JSON writer. Output goes to a temp file that is
 * read back whole (and gunzipped with zlib for the gzip output).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "tools/json.h"

static char g_path[64];
static char g_gz_path[64]; /* a second output, when a test needs one */
static struct vt_json g_j;
static char *g_out;
static size_t g_out_len;

static void setup(void)
{
	int fd;

	strcpy(g_path, "/tmp/vt-test-json-XXXXXX");
	fd = mkstemp(g_path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(vt_json_open(&g_j, g_path, 0), 0, "%s", strerror(errno));
}

static void teardown(void)
{
	free(g_out);
	unlink(g_path);
	if (g_gz_path[0])
		unlink(g_gz_path);
}

TestSuite(json, .init = setup, .fini = teardown);

/* close the writer and read the whole file into g_out */
static void finish(const char *tail)
{
	FILE *f;
	struct stat st;

	cr_assert_eq(vt_json_end(&g_j, tail), 0, "vt_json_end: %s", strerror(errno));
	cr_assert_eq(stat(g_path, &st), 0);
	g_out_len = (size_t)st.st_size;
	g_out = malloc(g_out_len + 1);
	f = fopen(g_path, "rb");
	cr_assert_not_null(f);
	cr_assert_eq(fread(g_out, 1, g_out_len, f), g_out_len);
	fclose(f);
	g_out[g_out_len] = 0;
	cr_assert_eq(g_j.bytes, g_out_len, "bytes counts %llu, the file has %zu",
		     (unsigned long long)g_j.bytes, g_out_len);
}

/* the output of the writes since open, without vt_json_end's "\n]}\n" */
static const char *body(size_t *len)
{
	finish(NULL);
	cr_assert_geq(g_out_len, 4);
	cr_assert(!memcmp(g_out + g_out_len - 4, "\n]}\n", 4), "the end is not \\n]}\\n");
	g_out_len -= 4;
	g_out[g_out_len] = 0;
	if (len)
		*len = g_out_len;
	return g_out;
}

/* vt_json_str of an exact-size heap copy (so a read past the end shows under ASan) */
static void json_str(const char *s, size_t n)
{
	char *c = malloc(n ? n : 1);

	cr_assert_not_null(c);
	memcpy(c, s, n);
	vt_json_str(&g_j, c, n);
	free(c);
}

/* is s[0..n) valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF)? */
static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], cp, len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* ---- strings ----------------------------------------------------------------------------- */

Test(json, str_plain_ascii)
{
	json_str("hello world", 11);
	json_str("", 0);
	cr_assert_str_eq(body(NULL), "\"hello world\"\"\"");
}

Test(json, str_escapes_quotes_and_backslashes)
{
	json_str("a\"b\\c\\\\\"", 8);
	cr_assert_str_eq(body(NULL), "\"a\\\"b\\\\c\\\\\\\\\\\"\"");
}

Test(json, str_escapes_every_control_char)
{
	char in[32], want[32 * 6 + 3], *w = want;
	size_t n;
	const char *out;

	for (int c = 0; c < 32; c++)
		in[c] = (char)c;
	*w++ = '"';
	for (int c = 0; c < 32; c++)
		w += sprintf(w, "\\u00%02x", c);
	*w++ = '"';
	*w = 0;
	json_str(in, 32);
	out = body(&n);
	cr_assert_eq(n, strlen(want), "%zu bytes: %s", n, out);
	/* JSON allows either case of hex digit */
	cr_assert_eq(strcasecmp(out, want), 0, "got %s", out);
}

Test(json, str_passes_del_and_printable_ascii)
{
	char in[96];

	for (int c = 0x20; c < 0x80; c++)
		in[c - 0x20] = (char)c;
	json_str(in, 96);
	/* expected: the same with " and \ escaped */
	{
		char want[200], *w = want;

		*w++ = '"';
		for (int c = 0x20; c < 0x80; c++) {
			if (c == '"' || c == '\\')
				*w++ = '\\';
			*w++ = (char)c;
		}
		*w++ = '"';
		*w = 0;
		cr_assert_str_eq(body(NULL), want);
	}
}

Test(json, str_passes_valid_utf8_through)
{
	static const char *valid[] = {
		"\xc2\x80",         /* U+0080, the first 2-byte */
		"\xc3\xa9",         /* é */
		"\xdf\xbf",         /* U+07FF */
		"\xe0\xa0\x80",     /* U+0800, the first 3-byte */
		"\xe2\x82\xac",     /* € */
		"\xed\x9f\xbf",     /* U+D7FF, just below the surrogates */
		"\xee\x80\x80",     /* U+E000, just above */
		"\xef\xbf\xbd",     /* U+FFFD itself */
		"\xef\xbf\xbf",     /* U+FFFF */
		"\xf0\x90\x80\x80", /* U+10000, the first 4-byte */
		"\xf0\x9d\x84\x9e", /* 𝄞 */
		"\xf4\x8f\xbf\xbf", /* U+10FFFF, the last */
		"f\xc3\xbc\xc3\x9f \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\x8d",
	};

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		json_str(valid[i], strlen(valid[i]));
		vt_json_raw(&g_j, "\n", 1);
	}
	{
		const char *out = body(NULL);
		char *copy = strdup(out), *save = NULL, *line = strtok_r(copy, "\n", &save);

		for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
			cr_assert_not_null(line);
			cr_assert_eq(strlen(line), strlen(valid[i]) + 2, "case %zu: %s", i, line);
			cr_assert(!memcmp(line + 1, valid[i], strlen(valid[i])),
				  "case %zu changed: %s", i, line);
			line = strtok_r(NULL, "\n", &save);
		}
		free(copy);
	}
}

/*
 * Each invalid input sits between "<" and ">": the output must be valid UTF-8, the
 * invalid bytes must be gone, at least one U+FFFD must stand in their place, and what
 * surrounds them (including a valid character right after) must survive.
 */
Test(json, str_replaces_invalid_utf8)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *why;
	} bad[] = {
		{"\x80", 1, "lone continuation"},
		{"\xbf", 1, "lone continuation"},
		{"\x80\x80\x80", 3, "continuations"},
		{"\xc0\x80", 2, "overlong NUL"},
		{"\xc1\xbf", 2, "overlong 2-byte"},
		{"\xe0\x80\x80", 3, "overlong 3-byte"},
		{"\xe0\x9f\xbf", 3, "overlong U+07FF"},
		{"\xf0\x80\x80\x80", 4, "overlong 4-byte"},
		{"\xf0\x8f\xbf\xbf", 4, "overlong U+FFFF"},
		{"\xed\xa0\x80", 3, "surrogate U+D800"},
		{"\xed\xbf\xbf", 3, "surrogate U+DFFF"},
		{"\xed\xa0\xbd\xed\xb8\x80", 6, "surrogate pair in CESU-8"},
		{"\xf4\x90\x80\x80", 4, "above U+10FFFF"},
		{"\xf5\x80\x80\x80", 4, "F5 lead"},
		{"\xf8\x88\x80\x80\x80", 5, "5-byte form"},
		{"\xfe", 1, "FE"},
		{"\xff", 1, "FF"},
		{"\xc3", 1, "truncated 2-byte"},
		{"\xe2\x82", 2, "truncated 3-byte"},
		{"\xf0\x9d\x84", 3, "truncated 4-byte"},
		{"\xe2\x82" "A", 3, "3-byte cut by ASCII"},
		{"\xc3\xc3\xa9", 3, "lead then a valid char"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char in[16];
		size_t n = 0, olen;
		const char *out;
		char *stripped;
		size_t sl = 0, repl = 0;

		/* reopen for each case */
		if (i) {
			free(g_out);
			g_out = NULL;
			cr_assert_eq(vt_json_open(&g_j, g_path, 0), 0);
		}
		in[n++] = '<';
		memcpy(in + n, bad[i].bytes, bad[i].len);
		n += bad[i].len;
		in[n++] = '>';
		json_str(in, n);
		out = body(&olen);
		cr_assert(valid_utf8((const unsigned char *)out, olen), "%s: output is not UTF-8",
			  bad[i].why);
		/* drop the quotes and every U+FFFD; the rest is what was valid */
		stripped = malloc(olen + 1);
		for (size_t k = 1; k + 1 < olen;) {
			if (!memcmp(out + k, "\xef\xbf\xbd", 3) && k + 3 < olen) {
				repl++;
				k += 3;
				continue;
			}
			stripped[sl++] = out[k++];
		}
		stripped[sl] = 0;
		cr_assert_geq(repl, 1, "%s: no U+FFFD in %s", bad[i].why, out);
		cr_assert_leq(repl, bad[i].len, "%s: %zu U+FFFD for %zu bytes", bad[i].why, repl,
			      bad[i].len);
		if (!strcmp(bad[i].why, "3-byte cut by ASCII"))
			cr_assert_str_eq(stripped, "<A>", "%s", bad[i].why);
		else if (!strcmp(bad[i].why, "lead then a valid char"))
			cr_assert_str_eq(stripped, "<\xc3\xa9>", "%s", bad[i].why);
		else
			cr_assert_str_eq(stripped, "<>", "%s: left %s", bad[i].why, stripped);
		free(stripped);
	}
}

/* a cut sequence at the very end of the string: no read past it */
Test(json, str_truncated_sequence_at_the_end)
{
	json_str("ab\xf0\x9f\x90", 5);
	cr_assert_str_eq(body(NULL), "\"ab\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

/* ---- numbers ------------------------------------------------------------------------------ */

Test(json, us_has_exactly_three_decimals)
{
	static const struct {
		uint64_t ns;
		const char *us;
	} cases[] = {
		{0, "0.000"},
		{1, "0.001"},
		{10, "0.010"},
		{999, "0.999"},
		{1000, "1.000"},
		{1001, "1.001"},
		{1234567, "1234.567"},
		{1000000000, "1000000.000"},
		{UINT64_MAX, "18446744073709551.615"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vt_json_us(&g_j, cases[i].ns);
		vt_json_raw(&g_j, " ", 1);
	}
	{
		char want[512] = "";

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			strcat(want, cases[i].us);
			strcat(want, " ");
		}
		cr_assert_str_eq(body(NULL), want);
	}
}

Test(json, u64_decimal)
{
	vt_json_u64(&g_j, 0);
	vt_json_lit(&g_j, ",");
	vt_json_u64(&g_j, 9);
	vt_json_lit(&g_j, ",");
	vt_json_u64(&g_j, 10);
	vt_json_lit(&g_j, ",");
	vt_json_u64(&g_j, 4294967296ull);
	vt_json_lit(&g_j, ",");
	vt_json_u64(&g_j, UINT64_MAX);
	cr_assert_str_eq(body(NULL), "0,9,10,4294967296,18446744073709551615");
}

/* ---- documents ---------------------------------------------------------------------------- */

static void event(const char *name, size_t name_len, uint64_t ts, uint64_t dur)
{
	vt_json_event(&g_j);
	vt_json_lit(&g_j, "\"ph\":\"X\",\"name\":");
	vt_json_str(&g_j, name, name_len);
	vt_json_lit(&g_j, ",\"pid\":1,\"tid\":2,\"ts\":");
	vt_json_us(&g_j, ts);
	vt_json_lit(&g_j, ",\"dur\":");
	vt_json_us(&g_j, dur);
	vt_json_lit(&g_j, "}");
}

/* python3's json module parses the document, and reads back the names we meant */
Test(json, small_document_is_json)
{
	static const struct {
		const char *s;
		size_t len;
		const char *utf8_hex; /* what the name must decode to */
	} names[] = {
		{"fib", 3, "666962"},
		{"a\"b\\c", 5, "6122625c63"},
		{"tab\there\nnl", 11, "7461620968657265 0a6e6c"},
		{"nul\0x", 5, "6e756c0078"},
		{"\xc3\xa9t\xc3\xa9", 5, "c3a974c3a9"},
		{"bad\xff", 4, "626164efbfbd"},
		{"\x7f", 1, "7f"},
		{"", 0, ""},
	};
	char cmd[512], line[256];
	FILE *p;
	size_t i = 0;

	vt_json_begin(&g_j);
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		event(names[k].s, names[k].len, 1000 * k + 1, 999);
	finish("\"displayTimeUnit\":\"ns\",\"otherData\":{\"x\":1}");
	cr_assert(!access("/usr/bin/python3", X_OK), "/usr/bin/python3 is needed");
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import json,sys\n"
		 "d = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
		 "assert d[\"displayTimeUnit\"] == \"ns\" and d[\"otherData\"] == {\"x\": 1}\n"
		 "for e in d[\"traceEvents\"]: print(e[\"name\"].encode().hex(), repr(e[\"ts\"]))\n"
		 "' %s",
		 g_path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p)) {
		char want[128], hex[64], *w = hex;

		cr_assert_lt(i, sizeof(names) / sizeof(names[0]), "extra line %s", line);
		for (const char *h = names[i].utf8_hex; *h; h++)
			if (*h != ' ')
				*w++ = *h;
		*w = 0;
		snprintf(want, sizeof(want), "%s %llu.001\n", hex, (unsigned long long)i);
		cr_assert_str_eq(line, want, "event %zu", i);
		i++;
	}
	cr_assert_eq(pclose(p), 0, "python3 could not parse the document:\n%s", g_out);
	cr_assert_eq(i, sizeof(names) / sizeof(names[0]));
}

Test(json, empty_document_is_json)
{
	char cmd[256];

	vt_json_begin(&g_j);
	finish(NULL);
	cr_assert_str_eq(g_out, "{\"traceEvents\":[\n\n]}\n");
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' %s",
		 g_path);
	cr_assert_eq(system(cmd), 0);
}

/* ---- big writes ---------------------------------------------------------------------------- */

/* writes that cross and exceed the 1 MiB buffer come out whole and in order */
Test(json, writes_larger_than_the_buffer)
{
	size_t big = 3u << 20, strn = (2u << 20) + 7, n, pos = 0;
	char *raw = malloc(big), *str = malloc(strn);
	const char *out;

	for (size_t i = 0; i < big; i++)
		raw[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < strn; i++)
		str[i] = i % 1000 == 999 ? '"' : (char)('A' + i % 26);
	vt_json_lit(&g_j, "start:");
	vt_json_raw(&g_j, raw, big);                /* larger than the buffer at once */
	vt_json_str(&g_j, str, strn);               /* escaped across several flushes */
	for (int i = 0; i < 300000; i++)            /* small writes over ~2 MiB */
		vt_json_us(&g_j, 1234567);
	vt_json_raw(&g_j, raw, (1u << 20) - 1);     /* just under the buffer */
	vt_json_raw(&g_j, raw, 1u << 20);           /* exactly the buffer */
	vt_json_raw(&g_j, raw, (1u << 20) + 1);     /* just over */
	out = body(&n);

	cr_assert(!memcmp(out, "start:", 6));
	pos = 6;
	cr_assert(!memcmp(out + pos, raw, big), "the 3 MiB raw write differs");
	pos += big;
	cr_assert_eq(out[pos++], '"');
	for (size_t i = 0; i < strn; i++) {
		if (str[i] == '"')
			cr_assert_eq(out[pos++], '\\', "escape of byte %zu", i);
		cr_assert_eq(out[pos], str[i], "string byte %zu at output %zu", i, pos);
		pos++;
	}
	cr_assert_eq(out[pos++], '"');
	for (int i = 0; i < 300000; i++) {
		cr_assert(!memcmp(out + pos, "1234.567", 8), "number %d", i);
		pos += 8;
	}
	cr_assert(!memcmp(out + pos, raw, (1u << 20) - 1));
	pos += (1u << 20) - 1;
	cr_assert(!memcmp(out + pos, raw, 1u << 20));
	pos += 1u << 20;
	cr_assert(!memcmp(out + pos, raw, (1u << 20) + 1));
	pos += (1u << 20) + 1;
	cr_assert_eq(pos, n, "output has %zu bytes, expected %zu", n, pos);
	free(raw);
	free(str);
}

/* ---- errors ------------------------------------------------------------------------------- */

Test(json, open_fails_on_a_bad_path)
{
	struct vt_json j;

	vt_json_end(&g_j, NULL);
	errno = 0;
	cr_assert_eq(vt_json_open(&j, "/nonexistent-dir/x/out.json", 0), -1);
	cr_assert_eq(errno, ENOENT);
}

Test(json, write_errors_are_reported_at_the_end)
{
	struct vt_json j;
	char *raw = malloc(2u << 20);

	vt_json_end(&g_j, NULL);
	if (access("/dev/full", W_OK))
		cr_skip_test("no /dev/full");
	memset(raw, 'x', 2u << 20);
	cr_assert_eq(vt_json_open(&j, "/dev/full", 0), 0);
	vt_json_begin(&j);
	vt_json_raw(&j, raw, 2u << 20);
	vt_json_event(&j);
	errno = 0;
	cr_assert_eq(vt_json_end(&j, NULL), -1);
	cr_assert_eq(errno, ENOSPC, "errno %d (%s)", errno, strerror(errno));
	free(raw);
}

Test(json, write_errors_are_reported_at_the_end_gz)
{
	struct vt_json j;
	char *raw = malloc(2u << 20);

	vt_json_end(&g_j, NULL);
	if (access("/dev/full", W_OK))
		cr_skip_test("no /dev/full");
	for (size_t i = 0; i < 2u << 20; i++)
		raw[i] = (char)(i * 2654435761u >> 24); /* compresses poorly */
	cr_assert_eq(vt_json_open(&j, "/dev/full", 1), 0);
	vt_json_raw(&j, raw, 2u << 20);
	errno = 0;
	cr_assert_eq(vt_json_end(&j, NULL), -1);
	cr_assert_eq(errno, ENOSPC, "errno %d (%s)", errno, strerror(errno));
	free(raw);
}

/* ---- gzip output --------------------------------------------------------------------------- */

/* the same mixture of writes, to compare the plain and the gzip outputs */
static void write_sample(struct vt_json *j, char *raw, size_t big)
{
	vt_json_begin(j);
	for (int i = 0; i < 1000; i++) {
		vt_json_event(j);
		vt_json_lit(j, "\"name\":");
		vt_json_str(j, "caf\xc3\xa9 \"x\"\n\xff", 12);
		vt_json_lit(j, ",\"ts\":");
		vt_json_us(j, (uint64_t)i * 1001);
		vt_json_lit(j, "}");
	}
	vt_json_event(j);
	vt_json_lit(j, "\"name\":\"big\",\"args\":{\"blob\":\"");
	vt_json_raw(j, raw, big); /* larger than the buffer, poorly compressible */
	vt_json_lit(j, "\"}}");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	cr_assert_not_null(f);
	cr_assert_eq(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	cr_assert_eq(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static char *gunzip(const char *path, size_t cap, size_t *len)
{
	gzFile z = gzopen(path, "rb");
	char *buf = malloc(cap);
	int n;

	cr_assert_not_null(z);
	*len = 0;
	while ((n = gzread(z, buf + *len, (unsigned)(cap - *len))) > 0)
		*len += (size_t)n;
	cr_assert_geq(n, 0, "gzread failed");
	cr_assert_eq(gzclose(z), Z_OK, "bad gzip stream (crc or length)");
	return buf;
}

Test(json, gzip_output_is_the_plain_output_compressed)
{
	size_t big = (3u << 20) + 5, plain_len, gz_len, out_len;
	char *raw = malloc(big), *gz_path = g_gz_path, *plain, *gz, *out;
	struct vt_json j;
	int fd;

	for (size_t i = 0; i < big; i++)
		raw[i] = (char)('A' + (i * 2654435761u >> 20) % 26);
	/* plain, into g_path */
	write_sample(&g_j, raw, big);
	cr_assert_eq(vt_json_end(&g_j, "\"displayTimeUnit\":\"ns\""), 0);
	cr_assert_eq(g_j.out_bytes, g_j.bytes, "plain: out_bytes is bytes");
	plain = slurp(g_path, &plain_len);
	cr_assert_eq(g_j.bytes, plain_len);
	/* gzip, into gz_path */
	strcpy(gz_path, "/tmp/vt-test-json-gz-XXXXXX");
	fd = mkstemp(gz_path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(vt_json_open(&j, gz_path, 1), 0);
	write_sample(&j, raw, big);
	cr_assert_eq(vt_json_end(&j, "\"displayTimeUnit\":\"ns\""), 0);
	gz = slurp(gz_path, &gz_len);
	cr_assert_geq(gz_len, 18);
	cr_assert_eq((uint8_t)gz[0], 0x1f, "not gzip");
	cr_assert_eq((uint8_t)gz[1], 0x8b, "not gzip");
	cr_assert_eq(j.out_bytes, gz_len, "out_bytes %llu, file %zu",
		     (unsigned long long)j.out_bytes, gz_len);
	cr_assert_eq(j.bytes, plain_len, "bytes counts the JSON before compression");
	cr_assert_lt(gz_len, plain_len);
	out = gunzip(gz_path, plain_len + 1, &out_len);
	cr_assert_eq(out_len, plain_len, "gunzipped %zu bytes, plain %zu", out_len, plain_len);
	cr_assert(!memcmp(out, plain, plain_len), "gunzipped output differs from the plain one");
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd),
			 "/usr/bin/python3 -c 'import gzip,json,sys; "
			 "json.load(gzip.open(sys.argv[1], \"rt\", encoding=\"utf-8\"))' %s",
			 gz_path);
		cr_assert_eq(system(cmd), 0, "python3 cannot read the gzip JSON");
	}
	free(raw);
	free(plain);
	free(gz);
	free(out);
}

Test(json, gzip_empty_document)
{
	struct vt_json j;
	char *gz_path = g_gz_path, *out;
	size_t len;
	int fd;

	vt_json_end(&g_j, NULL);
	strcpy(gz_path, "/tmp/vt-test-json-gz-XXXXXX");
	fd = mkstemp(gz_path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(vt_json_open(&j, gz_path, 1), 0);
	vt_json_begin(&j);
	cr_assert_eq(vt_json_end(&j, NULL), 0);
	out = gunzip(gz_path, 256, &len);
	cr_assert_eq(len, 21);
	cr_assert(!memcmp(out, "{\"traceEvents\":[\n\n]}\n", 21));
	free(out);
}

/* a failed open must not leave the deflate state behind (seen under SAN=address) */
Test(json, open_fails_on_a_bad_path_gz)
{
	struct vt_json j;

	vt_json_end(&g_j, NULL);
	errno = 0;
	cr_assert_eq(vt_json_open(&j, "/nonexistent-dir/x/out.json.gz", 1), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_null(j.gz, "the z_stream of a failed open is still allocated");
}

Test(json, escape_into_a_buffer_quotes_and_escapes)
{
	char out[64];
	size_t n = vt_json_escape(out, "a\"b\\c\n\xff", 7);

	cr_assert_leq(n, vt_json_escape_bound(7));
	cr_assert_eq(n, 18);
	cr_assert(!memcmp(out, "\"a\\\"b\\\\c\\u000a\xef\xbf\xbd\"", n), "%.*s", (int)n, out);
}

Test(json, double_reads_back_exactly_and_null_for_what_json_cannot_hold)
{
	char out[VT_JSON_DOUBLE_MAX];

	cr_assert_eq(vt_json_double(out, 0.1), 19);
	cr_assert_str_eq(out, "0.10000000000000001");
	cr_assert_eq(strtod(out, NULL), 0.1);
	vt_json_double(out, -2.5);
	cr_assert_str_eq(out, "-2.5");
	vt_json_double(out, 1.0 / 0.0);
	cr_assert_str_eq(out, "null");
	vt_json_double(out, 0.0 / 0.0);
	cr_assert_str_eq(out, "null");
	vt_json_double(out, 1e308);
	cr_assert_str_eq(out, "1e+308");
}

/* unittests/test_recovery_view.c — the recovery page's JSON and HTML: fields, escaping, forms per phase */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>


#include "json.h"
#include "recovery_view.h"

static struct fwimage_info info;
static struct fwimage_verdict verdict;
static struct fwimage_check_item checks[FWIMAGE_CHECKS];

/* An image whose metadata tries to inject markup. */
static void evil_image(void)
{
	memset(&info, 0, sizeof(info));
	info.complete = true;
	info.total_bytes = 1234;
	info.payload_bytes = 1000;
	info.has_metadata = true;
	snprintf(info.compat_version, sizeof(info.compat_version), "1.0");
	info.n_devices = 2;
	snprintf(info.devices[0], sizeof(info.devices[0]), "acme,r1");
	snprintf(info.devices[1], sizeof(info.devices[1]), "<script>alert(1)</script>");
	snprintf(info.version.dist, sizeof(info.version.dist), "Open\"Wrt'");
	snprintf(info.version.version, sizeof(info.version.version), "1&2");
	memset(info.payload_sha256, 0xab, sizeof(info.payload_sha256));
	verdict = (struct fwimage_verdict){ .kind = FWIMAGE_INVALID, .problem = FWIMAGE_P_WRONG_BOARD };
	snprintf(verdict.reason, sizeof(verdict.reason), "board <b>x</b> not listed");
	for (int c = 0; c < FWIMAGE_CHECKS; c++) {
		checks[c] = (struct fwimage_check_item){ .name = "check", .state = FWIMAGE_CHECK_OK };
		snprintf(checks[c].detail, sizeof(checks[c].detail), "detail <%d>", c);
	}
	checks[FWIMAGE_CHECK_BOARD].state = FWIMAGE_CHECK_FAILED;
}

static struct recovery_view view(struct recovery_state *st, bool image)
{
	struct recovery_view v = {
		.board = "r1", .model = "Acme <R1>", .compatible = "acme,r1", .failsafed_version = "0.2.0",
		.firmware = "OpenWrt 23.05", .rootfs_data = "not mounted", .state = st, .cap_bytes = 16 << 20,
		.log = "line one\nline <two>\n", .message = "hello & welcome",
	};

	if (image) {
		v.info = &info;
		v.verdict = &verdict;
		v.checks = checks;
	}
	return v;
}

static void json_fields(void **state)
{
	(void)state;
	struct recovery_state st = { .phase = RECOVERY_STAGED, .staged_file = true, .last_exit_code = 3 };
	struct recovery_view v;
	struct json_doc d;
	int img, x;
	int64_t n;
	bool b;
	char *text;

	evil_image();
	v = view(&st, true);
	v.step = "writing";
	v.step_done = 5;
	v.step_total = 10;
	text = recovery_view_json(&v);
	assert_non_null(text);
	assert_int_equal(json_parse(&d, text, strlen(text)), 0);
	assert_int_equal(d.end, strlen(text));
	assert_int_equal(json_type(&d, 0), JSON_OBJECT);
	assert_string_equal(json_str(&d, json_get(&d, 0, "phase")), "staged");
	assert_true((img = json_get(&d, 0, "image")) >= 0);
	assert_string_equal(json_str(&d, json_get(&d, img, "verdict")), "invalid");
	assert_true(json_bool(&d, json_get(&d, img, "needs_force"), &b));
	assert_true(b);
	assert_true(json_bool(&d, json_get(&d, img, "flashable"), &b));
	assert_false(b);
	x = json_get(&d, img, "boards");
	assert_string_equal(json_str(&d, json_at(&d, x, 1)), "<script>alert(1)</script>");
	assert_string_equal(json_str(&d, json_get(&d, img, "version")), "Open\"Wrt' 1&2");
	assert_int_equal(json_type(&d, json_get(&d, img, "checks")), JSON_ARRAY);
	assert_int_equal(json_len(&d, json_get(&d, img, "checks")), FWIMAGE_CHECKS);
	x = json_get(&d, 0, "log");
	assert_int_equal(json_len(&d, x), 2);
	assert_string_equal(json_str(&d, json_at(&d, x, 1)), "line <two>");
	assert_true(json_int(&d, json_get(&d, json_get(&d, 0, "step"), "done"), &n));
	assert_int_equal(n, 5);
	assert_true(json_int(&d, json_get(&d, 0, "exit_code"), &n));
	assert_int_equal(n, 3);
	json_free(&d);
	free(text);

	/* No image yet: image is null, and so is step. */
	st = (struct recovery_state){ .phase = RECOVERY_IDLE };
	v = view(&st, false);
	text = recovery_view_json(&v);
	assert_int_equal(json_parse(&d, text, strlen(text)), 0);
	assert_int_equal(json_type(&d, json_get(&d, 0, "image")), JSON_NULL);
	assert_int_equal(json_type(&d, json_get(&d, 0, "step")), JSON_NULL);
	json_free(&d);
	free(text);
}

static void html_escapes_everything_from_outside(void **state)
{
	(void)state;
	struct recovery_state st = { .phase = RECOVERY_STAGED, .staged_file = true };
	struct recovery_view v;
	char *page;

	evil_image();
	v = view(&st, true);
	page = recovery_view_html(&v, "/recovery.js");
	assert_non_null(page);
	assert_null(strstr(page, "<script>alert"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_null(strstr(page, "<b>x</b>"));
	assert_non_null(strstr(page, "board &lt;b&gt;x&lt;/b&gt; not listed"));
	assert_non_null(strstr(page, "Open&quot;Wrt&#39; 1&amp;2"));
	assert_non_null(strstr(page, "Acme &lt;R1&gt;"));
	assert_non_null(strstr(page, "line &lt;two&gt;"));
	assert_non_null(strstr(page, "hello &amp; welcome"));
	assert_non_null(strstr(page, "detail &lt;3&gt;"));
	/* The only script is ours. */
	assert_non_null(strstr(page, "<script src=\"/recovery.js\"></script>"));
	free(page);
}

/* The DHCP server's line and its leases, in the page and in the JSON; none without a server. */
static void dhcp_leases_shown(void **state)
{
	(void)state;
	struct recovery_state st = { .phase = RECOVERY_IDLE };
	static const char *const leases[] = { "192.168.1.100 02:00:00:00:00:01 laptop 280",
					      "192.168.1.101 02:00:00:00:00:02 - 12" };
	struct recovery_view v = view(&st, false);
	struct json_doc j;
	int d, l;
	int64_t n;
	char *page, *text;

	page = recovery_view_html(&v, "/recovery.js");
	assert_null(strstr(page, "DHCP"));
	free(page);
	v.dhcp = "serving 192.168.1.100-192.168.1.199, leases of 300 s";
	v.leases = leases;
	v.n_leases = 2;
	v.leases_total = 3;
	page = recovery_view_html(&v, "/recovery.js");
	assert_non_null(strstr(page, "<td id=\"dhcp\">serving 192.168.1.100-192.168.1.199, leases of 300 s</td>"));
	assert_non_null(strstr(page, "<tr><td>192.168.1.100</td><td>laptop</td><td>02:00:00:00:00:01</td>"));
	assert_non_null(strstr(page, "<tr><td>192.168.1.101</td><td></td><td>02:00:00:00:00:02</td>"));
	assert_non_null(strstr(page, "and 1 more"));
	free(page);
	text = recovery_view_json(&v);
	assert_non_null(strstr(text, ",\"dhcp\":{\"state\":\"serving 192.168.1.100-192.168.1.199, leases of 300 s\","
				    "\"leases\":[{\"address\":\"192.168.1.100\",\"mac\":\"02:00:00:00:00:01\","
				    "\"name\":\"laptop\",\"seconds_left\":280},{\"address\":\"192.168.1.101\","
				    "\"mac\":\"02:00:00:00:00:02\",\"name\":\"\",\"seconds_left\":12}],\"leased\":3},"));
	assert_int_equal(json_parse(&j, text, strlen(text)), 0);
	assert_true((d = json_get(&j, 0, "dhcp")) >= 0);
	assert_true(json_int(&j, json_get(&j, d, "leased"), &n));
	assert_int_equal(n, 3);
	l = json_at(&j, json_get(&j, d, "leases"), 0);
	assert_string_equal(json_str(&j, json_get(&j, l, "address")), "192.168.1.100");
	assert_string_equal(json_str(&j, json_get(&j, l, "name")), "laptop");
	assert_true(json_int(&j, json_get(&j, l, "seconds_left"), &n));
	assert_int_equal(n, 280);
	l = json_at(&j, json_get(&j, d, "leases"), 1);
	assert_string_equal(json_str(&j, json_get(&j, l, "name")), "");
	json_free(&j);
	free(text);
}

/* Which forms the page offers in each phase: flash only for a staged image, upload only when nothing runs. */
static void forms_per_phase(void **state)
{
	(void)state;
	static const struct {
		struct recovery_state st;
		bool image;
		bool flash, force, upload, refresh;
		const char *heading;
	} rows[] = {
		{ { .phase = RECOVERY_IDLE }, false, false, false, true, false, "Waiting for a firmware image" },
		{ { .phase = RECOVERY_RECEIVING }, false, false, false, false, true, "Receiving" },
		{ { .phase = RECOVERY_STAGED, .staged_file = true }, true, true, true, true, false, "checked" },
		{ { .phase = RECOVERY_STAGED, .staged_file = false }, true, false, false, true, false, "checked" },
		{ { .phase = RECOVERY_WRITING }, true, false, false, false, true, "do not power off" },
		{ { .phase = RECOVERY_DONE }, true, false, false, true, false, "Upgrade completed" },
		{ { .phase = RECOVERY_FAILED, .last_exit_code = 8 }, false, false, false, true, false, "failed" },
		{ { .phase = RECOVERY_RESETTING }, false, false, false, false, true, "Factory reset" },
		{ { .phase = RECOVERY_REBOOTING }, false, false, false, false, false, "Rebooting" },
	};

	evil_image();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct recovery_state st = rows[i].st;
		struct recovery_view v = view(&st, rows[i].image);
		char *page = recovery_view_html(&v, NULL);

		assert_non_null(page);
		if ((strstr(page, "id=\"flash\"") != NULL) != rows[i].flash ||
		    (strstr(page, "name=\"force\"") != NULL) != rows[i].force ||
		    (strstr(page, "id=\"upload\"") != NULL) != rows[i].upload ||
		    (strstr(page, "http-equiv=\"refresh\"") != NULL) != rows[i].refresh || !strstr(page, rows[i].heading))
			fail_msg("row %zu (%s): flash %d force %d upload %d refresh %d heading %d", i,
				 recovery_phase_name(st.phase), strstr(page, "id=\"flash\"") != NULL,
				 strstr(page, "name=\"force\"") != NULL, strstr(page, "id=\"upload\"") != NULL,
				 strstr(page, "http-equiv=\"refresh\"") != NULL, strstr(page, rows[i].heading) != NULL);
		assert_null(strstr(page, "<script src"));
		free(page);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_fields),
		cmocka_unit_test(html_escapes_everything_from_outside),
		cmocka_unit_test(forms_per_phase),
		cmocka_unit_test(dhcp_leases_shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

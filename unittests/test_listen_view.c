/* test_listen_view.c - cmocka unit tests for failsafectl listen's board table, JSON lines and display rows */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/failsafectl/listen_view.h"

static struct lv_boards table;

static void window_beacon(struct beacon *b, const char *board, uint32_t remaining, uint32_t seq)
{
	assert_int_equal(beacon_init(b, BEACON_TEXT_WINDOW), 0);
	b->present = BEACON_HAS_STATE | BEACON_HAS_REMAINING_MS | BEACON_HAS_SEQ;
	b->state = BEACON_STATE_WINDOW;
	b->remaining_ms = remaining;
	b->seq = seq;
	if (board) {
		b->present |= BEACON_HAS_BOARD;
		strcpy(b->board, board);
	}
}

static void failsafe_beacon(struct beacon *b, const char *board, const char *via, uint32_t seq)
{
	assert_int_equal(beacon_init(b, BEACON_TEXT_FAILSAFE), 0);
	b->present = BEACON_HAS_BOARD | BEACON_HAS_STATE | BEACON_HAS_SEQ;
	strcpy(b->board, board);
	b->state = BEACON_STATE_FAILSAFE;
	b->seq = seq;
	if (via) {
		b->present |= BEACON_HAS_VIA;
		strcpy(b->via, via);
	}
}

static void test_kind(void **state)
{
	struct beacon b;

	(void)state;
	assert_int_equal(beacon_init(&b, BEACON_TEXT_WINDOW), 0);
	assert_int_equal(lv_kind(&b), LV_KIND_WINDOW);
	assert_int_equal(beacon_init(&b, BEACON_TEXT_FAILSAFE), 0);
	assert_int_equal(lv_kind(&b), LV_KIND_FAILSAFE);
	assert_int_equal(beacon_init(&b, "hello"), 0);
	assert_int_equal(lv_kind(&b), LV_KIND_OTHER);
	/* the state field wins over the text */
	b.present = BEACON_HAS_STATE;
	b.state = BEACON_STATE_NORMAL;
	assert_int_equal(lv_kind(&b), LV_KIND_NORMAL);
	b.state = BEACON_STATE_FAILSAFE;
	assert_int_equal(lv_kind(&b), LV_KIND_FAILSAFE);
	assert_string_equal(lv_kind_name(LV_KIND_WINDOW), "window");
	assert_string_equal(lv_kind_name(LV_KIND_OTHER), "?");
}

static void test_update_events(void **state)
{
	struct lv_board *bd;
	struct beacon b;

	(void)state;
	lv_boards_init(&table);
	window_beacon(&b, "sim", 2800, 3);
	assert_int_equal(lv_update(&table, "192.168.1.1", &b, 1000, &bd), LV_EV_NEW | LV_EV_PROMPT);
	assert_non_null(bd);
	assert_string_equal(bd->addr, "192.168.1.1");
	assert_int_equal(table.n, 1);
	/* the same window again: no second bell */
	window_beacon(&b, "sim", 1800, 4);
	assert_int_equal(lv_update(&table, "192.168.1.1", &b, 2000, &bd), 0);
	assert_int_equal(bd->count, 2);
	/* another board rings too */
	window_beacon(&b, NULL, 3900, 1);
	assert_int_equal(lv_update(&table, "192.168.1.3", &b, 2100, NULL), LV_EV_NEW | LV_EV_PROMPT);
	assert_int_equal(table.n, 2);
	/* failsafe: confirmed once */
	failsafe_beacon(&b, "sim", "button:reset", 5);
	assert_int_equal(lv_update(&table, "192.168.1.1", &b, 2500, &bd), LV_EV_FAILSAFE);
	assert_int_equal(bd->kind, LV_KIND_FAILSAFE);
	failsafe_beacon(&b, "sim", "button:reset", 6);
	assert_int_equal(lv_update(&table, "192.168.1.1", &b, 3500, NULL), 0);
	/* a reboot (seq backwards) opens a new window: prompt again, then failsafe again */
	window_beacon(&b, "sim", 4000, 0);
	assert_int_equal(lv_update(&table, "192.168.1.1", &b, 9000, NULL), LV_EV_PROMPT);
	failsafe_beacon(&b, "sim", NULL, 1);
	assert_int_equal(lv_update(&table, "192.168.1.1", &b, 9100, NULL), LV_EV_FAILSAFE);
	/* a reboot while in failsafe straight into failsafe (failsafe= on the command line) */
	failsafe_beacon(&b, "sim", NULL, 0);
	assert_int_equal(lv_update(&table, "192.168.1.1", &b, 20000, NULL), LV_EV_FAILSAFE);
	assert_int_equal(table.n, 2);
}

static void test_update_plain_and_edges(void **state)
{
	char addr[LV_ADDR_MAX + 1];
	struct lv_board *bd = (struct lv_board *)1;
	struct beacon b;

	(void)state;
	lv_boards_init(&table);
	/* plain OpenWrt beacons: window from the text, one prompt, then failsafe */
	assert_int_equal(beacon_init(&b, BEACON_TEXT_WINDOW), 0);
	assert_int_equal(lv_update(&table, "10.0.0.9", &b, 0, NULL), LV_EV_NEW | LV_EV_PROMPT);
	assert_int_equal(lv_update(&table, "10.0.0.9", &b, 1000, NULL), 0);
	assert_int_equal(beacon_init(&b, BEACON_TEXT_FAILSAFE), 0);
	assert_int_equal(lv_update(&table, "10.0.0.9", &b, 1500, NULL), LV_EV_FAILSAFE);
	/* a window beacon with nothing left: too late to press */
	window_beacon(&b, "late", 0, 1);
	assert_int_equal(lv_update(&table, "10.0.0.10", &b, 0, NULL), LV_EV_NEW);
	/* a normal-path beacon neither rings nor confirms */
	assert_int_equal(beacon_init(&b, "bye"), 0);
	b.present = BEACON_HAS_STATE;
	b.state = BEACON_STATE_NORMAL;
	assert_int_equal(lv_update(&table, "10.0.0.11", &b, 0, NULL), LV_EV_NEW);
	/* bad arguments */
	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	assert_int_equal(lv_update(&table, addr, &b, 0, &bd), 0);
	assert_null(bd);
	assert_int_equal(lv_update(NULL, "1.2.3.4", &b, 0, NULL), 0);
	assert_int_equal(lv_update(&table, NULL, &b, 0, NULL), 0);
	assert_int_equal(lv_update(&table, "1.2.3.4", NULL, 0, NULL), 0);
	assert_int_equal(table.n, 3);
}

static void test_table_full(void **state)
{
	char addr[LV_ADDR_MAX];
	struct beacon b;

	(void)state;
	lv_boards_init(&table);
	window_beacon(&b, "x", 1000, 1);
	for (int i = 0; i < LV_MAX_BOARDS; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%d", i);
		/* 10.0.0.5 is the longest silent */
		assert_int_equal(lv_update(&table, addr, &b, i == 5 ? 1 : 100 + (uint64_t)i, NULL),
				 LV_EV_NEW | LV_EV_PROMPT);
	}
	assert_int_equal(table.n, LV_MAX_BOARDS);
	assert_int_equal(lv_update(&table, "10.0.1.1", &b, 500, NULL), LV_EV_NEW | LV_EV_PROMPT);
	assert_int_equal(table.n, LV_MAX_BOARDS);
	for (size_t i = 0; i < table.n; i++)
		assert_string_not_equal(table.board[i].addr, "10.0.0.5");
	assert_string_equal(table.board[5].addr, "10.0.0.6");	/* order kept */
	assert_string_equal(table.board[LV_MAX_BOARDS - 1].addr, "10.0.1.1");
}

static void test_left_ms(void **state)
{
	struct lv_board *bd;
	struct beacon b;

	(void)state;
	lv_boards_init(&table);
	window_beacon(&b, "sim", 2800, 3);
	lv_update(&table, "192.168.1.1", &b, 10000, &bd);
	assert_int_equal(lv_left_ms(bd, 10000), 2800);
	assert_int_equal(lv_left_ms(bd, 11000), 1800);
	assert_int_equal(lv_left_ms(bd, 12799), 1);
	assert_int_equal(lv_left_ms(bd, 12800), 0);
	assert_int_equal(lv_left_ms(bd, 99999), 0);
	assert_int_equal(lv_left_ms(bd, 5), 2800);	/* clock before reception */
	/* unknown: plain window beacon, or not in a window */
	assert_int_equal(beacon_init(&b, BEACON_TEXT_WINDOW), 0);
	lv_update(&table, "192.168.1.1", &b, 10000, &bd);
	assert_int_equal(lv_left_ms(bd, 10000), -1);
	failsafe_beacon(&b, "sim", NULL, 4);
	b.present |= BEACON_HAS_REMAINING_MS;
	b.remaining_ms = 5;
	lv_update(&table, "192.168.1.1", &b, 10000, &bd);
	assert_int_equal(lv_left_ms(bd, 10000), -1);
}

static void test_json(void **state)
{
	char out[LV_JSON_MAX];
	struct beacon b;
	int n;

	(void)state;
	window_beacon(&b, "sim", 2800, 3);
	b.present |= BEACON_HAS_MAC | BEACON_HAS_VERSION | BEACON_HAS_VIA;
	memcpy(b.mac, "\x02\x00\x00\x00\xab\x01", BEACON_MAC_BYTES);
	strcpy(b.version, "0.1.0");
	strcpy(b.via, "button:reset");
	n = lv_json(out, sizeof(out), "192.168.1.1", &b);
	assert_int_equal(n, (int)strlen(out));
	assert_string_equal(out,
			    "{\"from\":\"192.168.1.1\",\"text\":\"Please press button now to enter failsafe\","
			    "\"board\":\"sim\",\"state\":\"window\",\"remaining_ms\":2800,\"seq\":3,"
			    "\"mac\":\"02:00:00:00:ab:01\",\"version\":\"0.1.0\",\"via\":\"button:reset\"}");

	/* SSH host key fingerprints, as the console shows them */
	b.present = BEACON_HAS_SSH_ED25519 | BEACON_HAS_SSH_RSA;
	strcpy(b.ssh_ed25519, "SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc");
	strcpy(b.ssh_rsa, "SHA256:abc/def");
	assert_true(lv_json(out, sizeof(out), "192.168.1.1", &b) > 0);
	assert_non_null(strstr(out, ",\"ssh_ed25519\":\"SHA256:TZtMDjRH3D3qzgxAUCiZkl6tGtxeRzs+lKbNTsKzdRc\","
				 "\"ssh_rsa\":\"SHA256:abc/def\"}"));

	assert_int_equal(beacon_init(&b, BEACON_TEXT_FAILSAFE), 0);
	assert_true(lv_json(out, sizeof(out), "10.0.0.1", &b) > 0);
	assert_string_equal(out, "{\"from\":\"10.0.0.1\",\"text\":\"Entering Failsafe!\",\"plain\":true}");

	/* only what is present; big numbers */
	assert_int_equal(beacon_init(&b, ""), 0);
	b.present = BEACON_HAS_SEQ;
	b.seq = UINT32_MAX;
	assert_true(lv_json(out, sizeof(out), "1.2.3.4", &b) > 0);
	assert_string_equal(out, "{\"from\":\"1.2.3.4\",\"text\":\"\",\"seq\":4294967295}");

	/* escaping: quote, backslash, controls, DEL and bytes >= 0x80 */
	assert_int_equal(beacon_init(&b, "a\"b\\c\n\t\r\x1b[2J\x7f\xc3\xa9"), 0);
	b.present = BEACON_HAS_BOARD;
	strcpy(b.board, "q\"\\");
	assert_true(lv_json(out, sizeof(out), "1.2.3.4", &b) > 0);
	assert_string_equal(out, "{\"from\":\"1.2.3.4\",\"text\":\"a\\\"b\\\\c\\n\\t\\r\\u001b[2J\\u007f\\u00c3\\u00a9\","
			    "\"board\":\"q\\\"\\\\\"}");
}

static void test_json_limits(void **state)
{
	char *out = malloc(LV_JSON_MAX);
	struct beacon b;
	char text[BEACON_TEXT_MAX_BYTES + 1];

	(void)state;
	assert_non_null(out);
	/* the worst case fits LV_JSON_MAX */
	memset(text, 0x01, BEACON_TEXT_MAX_BYTES);
	text[BEACON_TEXT_MAX_BYTES] = '\0';
	assert_int_equal(beacon_init(&b, text), 0);
	b.present = BEACON_HAS_ALL;
	memset(b.board, '"', BEACON_VALUE_MAX_BYTES);
	memset(b.version, '"', BEACON_VALUE_MAX_BYTES);
	memset(b.via, '"', BEACON_VALUE_MAX_BYTES);
	b.remaining_ms = b.seq = UINT32_MAX;
	assert_true(lv_json(out, LV_JSON_MAX, "255.255.255.255", &b) > BEACON_TEXT_MAX_BYTES * 6);
	/* too small: -ENOSPC, still NUL-terminated */
	assert_int_equal(beacon_init(&b, BEACON_TEXT_WINDOW), 0);
	assert_int_equal(lv_json(out, 20, "192.168.1.1", &b), -ENOSPC);
	assert_true(strlen(out) < 20);
	assert_int_equal(lv_json(out, 0, "192.168.1.1", &b), -ENOSPC);
	assert_int_equal(lv_json(NULL, 10, "x", &b), -EINVAL);
	assert_int_equal(lv_json(out, 10, NULL, &b), -EINVAL);
	assert_int_equal(lv_json(out, 10, "x", NULL), -EINVAL);
	free(out);
}

static void test_row(void **state)
{
	char out[LV_LINE_MAX];
	struct lv_board *bd;
	struct beacon b;
	int n;

	(void)state;
	lv_boards_init(&table);
	window_beacon(&b, "sim", 2800, 3);
	lv_update(&table, "192.168.1.1", &b, 1000, &bd);
	n = lv_row(out, sizeof(out), bd, 1450);
	assert_int_equal(n, (int)strlen(out));
	assert_string_equal(out, "192.168.1.1     sim          window     2.3 s      3   0.4 s  "
			    "Please press button now to enter failsafe");
	/* the columns line up with the header */
	assert_int_equal(strstr(lv_row_header(), "LAST MESSAGE") - lv_row_header(),
			 strstr(out, "Please") - out);
	assert_int_equal(strstr(lv_row_header(), "STATE") - lv_row_header(), strstr(out, "window") - out);

	/* plain beacon, hostile text: no escape codes reach the terminal */
	assert_int_equal(beacon_init(&b, "Evil \x1b[2J\x07 \xff"), 0);
	lv_update(&table, "10.1.2.3", &b, 1000, &bd);
	assert_true(lv_row(out, sizeof(out), bd, 13400) > 0);
	assert_string_equal(out, "10.1.2.3        ?            ?              -      -  12.4 s  Evil ?[2J? ?");

	/* a long board name is cut to its column; the window over shows 0.0 s */
	window_beacon(&b, "a-very-long-board-name", 100, 7);
	lv_update(&table, "10.1.2.3", &b, 0, &bd);
	assert_true(lv_row(out, sizeof(out), bd, 5000) > 0);
	assert_string_equal(out, "10.1.2.3        a-very-long- window     0.0 s      7   5.0 s  "
			    "Please press button now to enter failsafe");
	assert_int_equal(lv_row(out, 10, bd, 0), -ENOSPC);
	assert_int_equal(lv_row(NULL, 10, bd, 0), -EINVAL);
}

static void test_lines(void **state)
{
	char out[LV_LINE_MAX];
	struct lv_board *bd;
	struct beacon b;

	(void)state;
	lv_boards_init(&table);
	window_beacon(&b, "sim", 2800, 3);
	lv_update(&table, "192.168.1.1", &b, 0, &bd);
	assert_true(lv_plain_line(out, sizeof(out), bd) > 0);
	assert_string_equal(out, "192.168.1.1 sim: Please press button now to enter failsafe "
			    "[window, 2.8 s left, seq 3]");
	assert_true(lv_event_line(out, sizeof(out), LV_EV_PROMPT, bd) > 0);
	assert_string_equal(out, "press the button on sim now (192.168.1.1, 2.8 s left)");

	failsafe_beacon(&b, "sim", "button:reset", 4);
	lv_update(&table, "192.168.1.1", &b, 0, &bd);
	assert_true(lv_plain_line(out, sizeof(out), bd) > 0);
	assert_string_equal(out, "192.168.1.1 sim: Entering Failsafe! [failsafe, seq 4, via button:reset]");
	assert_true(lv_event_line(out, sizeof(out), LV_EV_FAILSAFE, bd) > 0);
	assert_string_equal(out, "board sim at 192.168.1.1 entered failsafe (via button:reset) "
			    "\xe2\x80\x94 telnet 192.168.1.1");

	/* plain OpenWrt beacons: no name, no fields */
	assert_int_equal(beacon_init(&b, BEACON_TEXT_WINDOW), 0);
	lv_update(&table, "192.168.1.9", &b, 0, &bd);
	assert_true(lv_plain_line(out, sizeof(out), bd) > 0);
	assert_string_equal(out, "192.168.1.9 ?: Please press button now to enter failsafe [plain beacon]");
	assert_true(lv_event_line(out, sizeof(out), LV_EV_PROMPT, bd) > 0);
	assert_string_equal(out, "press the button on the board at 192.168.1.9 now (its window is open)");
	lv_label(out, sizeof(out), bd);
	assert_string_equal(out, "the board at 192.168.1.9");
	assert_int_equal(beacon_init(&b, BEACON_TEXT_FAILSAFE), 0);
	lv_update(&table, "192.168.1.9", &b, 0, &bd);
	assert_true(lv_event_line(out, sizeof(out), LV_EV_FAILSAFE, bd) > 0);
	assert_string_equal(out, "the board at 192.168.1.9 entered failsafe \xe2\x80\x94 telnet 192.168.1.9");
	/* unnamed with a countdown */
	window_beacon(&b, NULL, 1500, 1);
	lv_update(&table, "192.168.1.9", &b, 0, &bd);
	assert_true(lv_event_line(out, sizeof(out), LV_EV_PROMPT, bd) > 0);
	assert_string_equal(out, "press the button on the board at 192.168.1.9 now (1.5 s left)");

	assert_int_equal(lv_event_line(out, sizeof(out), LV_EV_NEW, bd), -EINVAL);
	assert_int_equal(lv_event_line(out, 8, LV_EV_PROMPT, bd), -ENOSPC);
	assert_int_equal(lv_plain_line(out, 8, bd), -ENOSPC);
}

static void test_sanitize(void **state)
{
	char out[8];

	(void)state;
	lv_sanitize(out, sizeof(out), "ab\x1b\x7f\x80z");
	assert_string_equal(out, "ab???z");
	lv_sanitize(out, sizeof(out), "0123456789");
	assert_string_equal(out, "0123456");
	lv_sanitize(out, 1, "abc");
	assert_string_equal(out, "");
}

static void test_options(void **state)
{
	char *argv[] = { "listen", "--port", "4919", "--port=12", "--portx", "--timeout", NULL };
	const char *val = NULL;
	unsigned int port = 0;
	int ms = 0, i;

	(void)state;
	i = 1;
	assert_int_equal(lv_opt(6, argv, &i, "--port", &val), 1);
	assert_string_equal(val, "4919");
	assert_int_equal(i, 2);
	i = 3;
	assert_int_equal(lv_opt(6, argv, &i, "--port", &val), 1);
	assert_string_equal(val, "12");
	assert_int_equal(i, 3);
	i = 4;
	assert_int_equal(lv_opt(6, argv, &i, "--port", &val), 0);
	i = 5;
	assert_int_equal(lv_opt(6, argv, &i, "--timeout", &val), -1);
	assert_int_equal(lv_opt(6, argv, &i, "--port", &val), 0);

	assert_true(lv_parse_port("4919", &port));
	assert_int_equal(port, 4919);
	assert_true(lv_parse_port("1", &port));
	assert_true(lv_parse_port("65535", &port));
	assert_int_equal(port, 65535);
	assert_false(lv_parse_port("0", &port));
	assert_false(lv_parse_port("65536", &port));
	assert_false(lv_parse_port("", &port));
	assert_false(lv_parse_port("-1", &port));
	assert_false(lv_parse_port("+23", &port));
	assert_false(lv_parse_port("23x", &port));
	assert_false(lv_parse_port("000023", &port));
	assert_int_equal(port, 65535);

	assert_true(lv_parse_seconds("60", &ms));
	assert_int_equal(ms, 60000);
	assert_true(lv_parse_seconds("0.5", &ms));
	assert_int_equal(ms, 500);
	assert_true(lv_parse_seconds("1.25", &ms));
	assert_int_equal(ms, 1250);
	assert_true(lv_parse_seconds("0.0019", &ms));
	assert_int_equal(ms, 1);
	assert_true(lv_parse_seconds("86400", &ms));
	assert_int_equal(ms, 86400000);
	assert_false(lv_parse_seconds("86400.1", &ms));
	assert_false(lv_parse_seconds("86401", &ms));
	assert_false(lv_parse_seconds("99999999999999999999", &ms));
	assert_false(lv_parse_seconds("0", &ms));
	assert_false(lv_parse_seconds("0.0001", &ms));
	assert_false(lv_parse_seconds("", &ms));
	assert_false(lv_parse_seconds(".5", &ms));
	assert_false(lv_parse_seconds("5.", &ms));
	assert_false(lv_parse_seconds("-1", &ms));
	assert_false(lv_parse_seconds("1e3", &ms));
	assert_false(lv_parse_seconds("inf", &ms));
	assert_false(lv_parse_seconds("1.2.3", &ms));
	assert_int_equal(ms, 86400000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_update_events),
		cmocka_unit_test(test_update_plain_and_edges),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_left_ms),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_limits),
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

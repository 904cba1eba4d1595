/* unittests/test_boards.c — every board in boards/ validates; broken tables fail naming board and field */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "all_boards.h"
#include "board_validate.h"

static void every_board_is_valid(void **s)
{
	char err[256];

	(void)s;
	assert_true(n_all_boards >= 2);
	for (size_t i = 0; i < n_all_boards; i++) {
		int rc = board_validate(all_boards[i], err, sizeof(err));

		if (rc)
			fail_msg("%s", err);
	}
}

static void names_are_unique(void **s)
{
	(void)s;
	for (size_t i = 0; i < n_all_boards; i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(all_boards[i]->name, all_boards[j]->name);
}

static const struct board_button good_buttons[] = {
	{ .name = "reset", .chip = "gpiochip0", .line = 3, .active_low = true, .debounce_ms = 20 },
	{ .name = "wps", .chip = "gpiochip0", .line = 4, .active_low = true },
};

static struct board base(void)
{
	return (struct board){
		.name = "t1", .model = "Test", .buttons = good_buttons, .n_buttons = 2,
		.leds = { [LED_BOOT] = { .sysfs = "green:status" } },
		.consoles = { { .tty = "ttyS0", .baud = 115200 } },
		.net = { .ifname = "eth0", .address = "192.168.1.1", .prefix_len = 24,
			 .broadcast = "192.168.1.255" },
		.window_ms = 4000,
	};
}

static void expect_error(const struct board *b, const char *field)
{
	char err[256];

	assert_int_equal(board_validate(b, err, sizeof(err)), -22);
	if (!strstr(err, field) || !strstr(err, "board "))
		fail_msg("error \"%s\" does not name \"%s\"", err, field);
}

static void broken_tables(void **s)
{
	struct board b;
	struct board_button bb[2];

	(void)s;
	b = base();
	assert_int_equal(board_validate(&b, NULL, 0), 0);

	b = base(); b.name = "bad name";                 expect_error(&b, "name");
	b = base(); b.model = NULL;                      expect_error(&b, "t1: model");
	b = base(); b.window_ms = 600001;                expect_error(&b, "window_ms");
	b = base(); b.n_buttons = 9;                     expect_error(&b, "n_buttons");
	b = base(); b.leds[LED_BOOT].sysfs = NULL;       expect_error(&b, "leds[boot]");
	b = base(); b.leds[LED_FAILSAFE].chip = "gpiochip0"; b.leds[LED_FAILSAFE].line = -1;
	expect_error(&b, "leds[failsafe].line");
	b = base(); b.leds[LED_RUNNING].active_low = true; expect_error(&b, "leds[running].active_low");
	b = base(); b.consoles[0].baud = 12345;          expect_error(&b, "consoles[0].baud");
	b = base(); b.net.ifname = "averyveryverylongname"; expect_error(&b, "net.ifname");
	b = base(); b.net.address = "192.168.1.300";     expect_error(&b, "net.address");
	b = base(); b.net.address = "192.168.1.0";       expect_error(&b, "net.address");
	b = base(); b.net.broadcast = "192.168.2.255";   expect_error(&b, "net.broadcast");
	b = base(); b.net.prefix_len = 31;               expect_error(&b, "net.prefix_len");
	b = base(); b.net.vlan_id = 1;                   expect_error(&b, "net.vlan_parent");
	b = base(); b.net.vlan_id = 4095; b.net.vlan_parent = "eth0"; expect_error(&b, "net.vlan_id");

	memcpy(bb, good_buttons, sizeof(bb));
	b = base(); b.buttons = bb;
	bb[1].name = "reset";                            expect_error(&b, "buttons[1].name: duplicate");
	memcpy(bb, good_buttons, sizeof(bb));
	bb[1].line = 3;                                  expect_error(&b, "buttons[1].line");
	memcpy(bb, good_buttons, sizeof(bb));
	bb[0].debounce_ms = 5000;                        expect_error(&b, "buttons[0].debounce_ms");
	memcpy(bb, good_buttons, sizeof(bb));
	bb[0].line = -1;                                 expect_error(&b, "buttons[0].line");
	bb[0].line_name = "BTN_RESET";
	assert_int_equal(board_validate(&b, NULL, 0), 0);  /* a line by name is fine */
	memcpy(bb, good_buttons, sizeof(bb));
	bb[0].chip = NULL;                               expect_error(&b, "buttons[0].chip");
	memcpy(bb, good_buttons, sizeof(bb));
	bb[0].type = BOARD_BUTTON_TYPE_COUNT;            expect_error(&b, "buttons[0].type");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_board_is_valid),
		cmocka_unit_test(names_are_unique),
		cmocka_unit_test(broken_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

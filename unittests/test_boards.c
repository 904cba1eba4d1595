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
	struct board_report r;

	(void)s;
	assert_true(n_all_boards >= 2);
	for (size_t i = 0; i < n_all_boards; i++) {
		int rc = board_validate(all_boards[i], &r);

		if (rc)
			fail_msg("%s", r.error);
		for (unsigned w = 0; w < r.n_warnings; w++)
			print_message("%s\n", r.warnings[w]);
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
		.name = "t1", .model = "Test", .compatible = "test,t1", .cpu = "mipsel", .buttons = good_buttons,
		.n_buttons = 2,
		.leds = { [LED_BOOT] = { .sysfs = "green:status" } },
		.consoles = { { .tty = "ttyS0", .baud = 115200 } },
		.net = { .ifname = "eth0", .address = "192.168.1.1", .prefix_len = 24,
			 .broadcast = "192.168.1.255" },
		.window_ms = 4000,
		.storage = { .rom = "/rom", .rootfs_data = { BOARD_STORAGE_MTD, "rootfs_data" },
			     .firmware = { BOARD_STORAGE_MTD, "firmware" } },
	};
}

static void expect_error(const struct board *b, const char *field)
{
	struct board_report r;

	assert_int_equal(board_validate(b, &r), -22);
	if (!strstr(r.error, field) || !strstr(r.error, "board "))
		fail_msg("error \"%s\" does not name \"%s\"", r.error, field);
}

static void expect_warning(const struct board *b, const char *text)
{
	struct board_report r;

	assert_int_equal(board_validate(b, &r), 0);
	for (unsigned i = 0; i < r.n_warnings; i++)
		if (strstr(r.warnings[i], text))
			return;
	fail_msg("no warning containing \"%s\" (%u warnings)", text, r.n_warnings);
}

static void broken_tables(void **s)
{
	struct board b;
	struct board_button bb[2];

	(void)s;
	b = base();
	assert_int_equal(board_validate(&b, NULL), 0);

	b = base(); b.name = "bad name";                 expect_error(&b, "name");
	b = base(); b.model = NULL;                      expect_error(&b, "t1: model");
	b = base(); b.window_ms = 600001;                expect_error(&b, "window_ms");
	b = base(); b.n_buttons = 9;                     expect_error(&b, "n_buttons");
	b = base(); b.leds[LED_BOOT].sysfs = NULL;       expect_error(&b, "leds[boot]");
	b = base(); b.leds[LED_FAILSAFE].chip = "gpiochip0"; b.leds[LED_FAILSAFE].line = -1;
	expect_error(&b, "leds[failsafe].line");
	b = base(); b.leds[LED_RUNNING].active_low = true; expect_error(&b, "leds[running].active_low");
	b = base(); b.consoles[0].baud = 12345;          expect_error(&b, "consoles[0].baud: 12345 is not a rate termios supports (50, 75");
	b = base(); b.consoles[0].baud = 3000000;        assert_int_equal(board_validate(&b, NULL), 0);
	b = base(); b.consoles[0].baud = 4000000;        assert_int_equal(board_validate(&b, NULL), 0);
	b = base(); b.net.ifname = "averyveryverylongname"; expect_error(&b, "net.ifname: \"averyveryverylongname\": longer than 15");
	b = base(); b.net.ifname = "lan 2";              expect_error(&b, "net.ifname: \"lan 2\": contains white space");
	b = base(); b.net.ifname = "lan/2";              expect_error(&b, "contains '/' or ':'");
	b = base(); b.net.ifname = NULL;                 expect_error(&b, "net.ifname: missing");
	b = base(); b.net.conduit = "..";                expect_error(&b, "net.conduit");
	b = base(); b.compatible = NULL;                 expect_error(&b, "compatible: missing");
	b = base(); b.compatible = "Xiaomi,AX6000";      expect_error(&b, "compatible: \"Xiaomi,AX6000\"");
	b = base(); b.compatible = "nocomma";            expect_error(&b, "compatible");
	b = base(); b.n_buttons = 0;                     expect_error(&b, "n_buttons: 0 although buttons is set");
	b = base(); b.leds[LED_BOOT].active_low = true;  expect_error(&b, "leds[boot].active_low");
	b = base(); b.net.address = "192.168.1.300";     expect_error(&b, "net.address");
	b = base(); b.net.address = "192.168.1.0";       expect_error(&b, "net.address");
	b = base(); b.net.broadcast = "192.168.2.255";   expect_error(&b, "net.broadcast");
	b = base(); b.net.prefix_len = 31;               expect_error(&b, "net.prefix_len");
	b = base(); b.net.vlan_id = 1;                   expect_error(&b, "net.vlan_parent");
	b = base(); b.net.ifname = "br-lan"; b.net.lan_ports[0] = "lan1"; b.net.lan_ports[2] = "lan3";
	expect_error(&b, "net.lan_ports[2]: after an empty entry");
	b = base(); b.net.ifname = "br-lan"; b.net.lan_ports[0] = "lan1"; b.net.lan_ports[1] = "lan1";
	expect_error(&b, "net.lan_ports[1]: duplicate \"lan1\"");
	b = base(); b.net.ifname = "br-lan"; b.net.lan_ports[0] = "br-lan"; expect_error(&b, "is the bridge itself");
	b = base(); b.net.ifname = "br-lan"; b.net.conduit = "eth0"; b.net.lan_ports[0] = "eth0";
	expect_error(&b, "is the conduit");
	b = base(); b.net.ifname = "br-lan"; b.net.lan_ports[0] = "lan 1"; expect_error(&b, "net.lan_ports[0]: \"lan 1\"");
	b = base(); b.net.ifname = "eth0.1"; b.net.vlan_id = 1; b.net.vlan_parent = "eth0"; b.net.lan_ports[0] = "lan1";
	expect_error(&b, "a swconfig board's LAN is its VLAN");
	b = base(); b.net.dhcp_first = "192.168.1.x";    expect_error(&b, "net.dhcp_first: \"192.168.1.x\" is not an IPv4");
	b = base(); b.net.dhcp_first = "192.168.1.10";   expect_error(&b, "both needed for a /24");
	b = base(); b.net.prefix_len = 16; b.net.broadcast = "192.168.255.255"; expect_error(&b, "both needed for a /16");
	b = base(); b.net.dhcp_first = "192.168.1.2"; b.net.dhcp_last = "192.168.2.9"; expect_error(&b, "is not inside");
	b = base(); b.net.dhcp_first = "192.168.1.0"; b.net.dhcp_last = "192.168.1.9"; expect_error(&b, "network or broadcast");
	b = base(); b.net.dhcp_first = "192.168.1.9"; b.net.dhcp_last = "192.168.1.2"; expect_error(&b, "after dhcp_last");
	b = base(); b.net.dhcp_first = "192.168.1.1"; b.net.dhcp_last = "192.168.1.9"; expect_error(&b, "the board's own address");
	b = base(); b.net.no_dhcp = true; b.net.dhcp_last = "192.168.1.9"; expect_error(&b, "set although no_dhcp");
	b = base(); b.net.dhcp_first = "192.168.1.2"; b.net.dhcp_last = "192.168.1.254"; assert_int_equal(board_validate(&b, NULL), 0);
	b = base(); b.net.vlan_id = 4095; b.net.vlan_parent = "eth0"; expect_error(&b, "net.vlan_id");

	memcpy(bb, good_buttons, sizeof(bb));
	b = base(); b.buttons = bb;
	bb[1].name = "reset";                            expect_error(&b, "buttons[1].name: duplicate");
	memcpy(bb, good_buttons, sizeof(bb));
	bb[1].line = 3;                                  expect_error(&b, "buttons[1].line");
	memcpy(bb, good_buttons, sizeof(bb));
	bb[0].debounce_ms = 5000;                        expect_error(&b, "buttons[0].debounce_ms");
	bb[0].debounce_ms = 4;                           expect_error(&b, "buttons[0].debounce_ms: 4 below 5");
	bb[0].debounce_ms = 5;                           assert_int_equal(board_validate(&b, NULL), 0);
	memcpy(bb, good_buttons, sizeof(bb));
	bb[0].line = -1;                                 expect_error(&b, "buttons[0].line");
	bb[0].line_name = "BTN_RESET";
	assert_int_equal(board_validate(&b, NULL), 0);  /* a line by name is fine */
	memcpy(bb, good_buttons, sizeof(bb));
	bb[0].chip = NULL;                               expect_error(&b, "buttons[0].chip");
	memcpy(bb, good_buttons, sizeof(bb));
	bb[0].type = BOARD_BUTTON_TYPE_COUNT;            expect_error(&b, "buttons[0].type");
}

static void storage_tables(void **s)
{
	struct board b;

	(void)s;
	b = base(); b.cpu = "x86";                                           expect_error(&b, "cpu");
	b = base(); b.storage.rom = "rom";                                   expect_error(&b, "storage.rom");
	b = base(); b.storage.firmware.kind = BOARD_STORAGE_KIND_COUNT;      expect_error(&b, "storage.firmware.kind");
	b = base(); b.storage.firmware.name = NULL;                          expect_error(&b, "storage.firmware.name");
	b = base(); b.storage.rootfs_data.name = "a/b";                      expect_error(&b, "storage.rootfs_data.name");
	b = base(); b.storage.rootfs_data.name = "data ";                    expect_error(&b, "storage.rootfs_data.name");
	b = base(); b.storage.rootfs_data.name = "a\"b";                     expect_error(&b, "storage.rootfs_data.name");
	b = base(); b.storage.rootfs_data.name = "NAND simulator partition 1"; /* blanks inside: as the kernel names it */
	assert_int_equal(board_validate(&b, NULL), 0);
	b = base(); b.storage.rootfs_data.name = "firmware";                 expect_error(&b, "storage.firmware");
	b = base(); b.storage.firmware = (struct board_volume){ BOARD_STORAGE_NONE, "x" };
	expect_error(&b, "storage.firmware.name");
	b = base(); b.storage.firmware = (struct board_volume){ BOARD_STORAGE_BLOCK, "PARTLABEL=firmware" };
	assert_int_equal(board_validate(&b, NULL), 0);                      /* any block name form is fine */
	b = base(); b.storage.rootfs_data = (struct board_volume){ 0 };      expect_warning(&b, "storage.rootfs_data: none");
	b = base(); b.storage.firmware = (struct board_volume){ 0 };         expect_warning(&b, "storage.firmware: none");
}

/* The layouts: NAND, eMMC, dual firmware; each broken field named. */
static void layout_tables(void **s)
{
	struct board b;

	(void)s;
	b = base(); b.storage.layout = BOARD_LAYOUT_COUNT;                   expect_error(&b, "storage.layout");
	b = base(); b.storage.layout = BOARD_LAYOUT_NAND;                    expect_error(&b, "storage.nand.ubi_mtd");
	b = base(); b.storage.nand.ubi_mtd = "ubi";                          expect_error(&b, "storage.nand");
	b = base(); b.storage.layout = BOARD_LAYOUT_NAND; b.storage.nand.ubi_mtd = "ubi";
	b.storage.rootfs_data = (struct board_volume){ BOARD_STORAGE_UBI, "rootfs_data" };
	assert_int_equal(board_validate(&b, NULL), 0);
	b.storage.nand.kernel_mtd = "kernel"; b.storage.nand.kernel_ubi_mtd = "ubi_kernel";
	expect_error(&b, "storage.nand.kernel_mtd");
	b.storage.nand.kernel_mtd = NULL; b.storage.nand.kernel_ubi_mtd = "ubi";
	expect_error(&b, "storage.nand.kernel_ubi_mtd");
	b.storage.nand.kernel_ubi_mtd = NULL; b.storage.nand.data_volume = "rootfs";
	expect_error(&b, "storage.nand.data_volume");
	b.storage.nand.data_volume = " bad";                                 expect_error(&b, "storage.nand.data_volume");
	b.storage.nand.data_volume = "overlay";                              expect_warning(&b, "storage.rootfs_data: not UBI volume overlay");
	b = base(); b.storage.layout = BOARD_LAYOUT_EMMC; b.storage.emmc.kernel_part = "kernel";
	expect_error(&b, "storage.emmc.root_part");
	b.storage.emmc.root_part = "kernel";                                 expect_error(&b, "storage.emmc.root_part");
	b.storage.emmc.root_part = "rootfs";                                 assert_int_equal(board_validate(&b, NULL), 0);
	b.storage.emmc.disk = "a b";                                         expect_error(&b, "storage.emmc.disk");
	/* dual firmware */
	b = base(); b.storage.layout = BOARD_LAYOUT_NAND;
	b.storage.ab = (struct board_ab){ .selector = BOARD_AB_UBOOT_ENV, .env_var = "boot_part", .env_value = { "1", "2" },
		.slot = { { .nand = { .ubi_mtd = "rootfs1", .kernel_mtd = "kernel1" }, .env = { "bootcmd=run nandboot" } },
			  { .nand = { .ubi_mtd = "rootfs2", .kernel_mtd = "kernel2" } } },
		.env_after = { "auto_recovery=yes" }, .bootcount = BOARD_BOOTCOUNT_LINKSYS, .bootcount_mtd = "s_env" };
	assert_int_equal(board_validate(&b, NULL), 0);
	b.storage.ab.env_value[1] = "1";                                     expect_error(&b, "storage.ab.env_value");
	b.storage.ab.env_value[1] = "2"; b.storage.ab.slot[1].nand.ubi_mtd = "rootfs1";
	expect_error(&b, "storage.ab.slot[1]");
	b.storage.ab.slot[1].nand.ubi_mtd = "rootfs2"; b.storage.ab.slot[0].env[0] = "bootcmd";
	expect_error(&b, "storage.ab.slot[0].env[0]");
	b.storage.ab.slot[0].env[0] = "bootcmd=run nandboot"; b.storage.ab.bootcount_mtd = NULL;
	expect_error(&b, "storage.ab.bootcount_mtd");
	b.storage.ab.bootcount_mtd = "s_env"; b.storage.nand.ubi_mtd = "ubi";
	expect_error(&b, "beside ab.slot");
	b.storage.nand.ubi_mtd = NULL; b.storage.layout = BOARD_LAYOUT_SINGLE;
	expect_error(&b, "storage.ab");
	b = base(); b.storage.ab.env_var = "boot_part";                      expect_error(&b, "storage.ab");
}

static void warnings(void **s)
{
	struct board_button sw[2];
	struct board_report r;
	struct board b;

	(void)s;
	b = base();
	assert_int_equal(board_validate(&b, &r), 0);
	assert_int_equal(r.n_warnings, 0);
	b = base(); b.buttons = NULL; b.n_buttons = 0;   expect_warning(&b, "buttons: none");
	memcpy(sw, good_buttons, sizeof(sw));
	sw[0].type = sw[1].type = BOARD_BUTTON_SWITCH;
	b = base(); b.buttons = sw;                      expect_warning(&b, "all are switches");
	assert_null(board_ifname_problem("eth0.1"));
	assert_string_equal(board_ifname_problem("."), "\".\" and \"..\" are not interface names");
}

static void defaults(void **s)
{
	struct board_button btn = { .debounce_ms = 0 };
	struct board b = { .window_ms = 0 };

	(void)s;
	assert_int_equal(board_debounce_ms(&btn), BOARD_DEFAULT_DEBOUNCE_MS);
	assert_int_equal(board_window_ms(&b), BOARD_DEFAULT_WINDOW_MS);
	assert_string_equal(board_led_role_name(LED_UPGRADE), "upgrade");
	assert_string_equal(board_led_role_name(LED_ROLE_COUNT), "?");
	assert_true(board_led_same(&(struct board_led){ .sysfs = "a" }, &(struct board_led){ .sysfs = "a" }));
	assert_false(board_led_same(&(struct board_led){ .chip = "c", .line = 1 }, &(struct board_led){ .chip = "c", .line = 2 }));
	assert_false(board_led_same(&(struct board_led){ .sysfs = "a" }, &(struct board_led){ .chip = "a" }));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_board_is_valid),
		cmocka_unit_test(names_are_unique),
		cmocka_unit_test(broken_tables),
		cmocka_unit_test(warnings),
		cmocka_unit_test(storage_tables),
		cmocka_unit_test(layout_tables),
		cmocka_unit_test(defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

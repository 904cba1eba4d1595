# cmake/stage2-tests.cmake — the tests of flashing from RAM (stage2): the pure parts' unit tests
fs_unit(elf_deps)
fs_unit(stage2_req)
fs_unit(stage2_policy)
# The flash from RAM of a NAND board on a real kernel (tools/qemu-mtd/, nandsim): one guest, ~90 s here.
set_tests_properties(integ_nand_stage2 PROPERTIES TIMEOUT 1200 RUN_SERIAL TRUE LABELS qemu)

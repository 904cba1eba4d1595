# cmake/stage2-tests.cmake — the tests of flashing from RAM (stage2): the pure parts' unit tests
fs_unit(elf_deps)
fs_unit(stage2_req)
fs_unit(stage2_policy)
# integ_stage2 (a loop device's GPT, in namespaces of its own) is an integration test like any other;
# integ_nand_stage2 (nandsim under QEMU) is scheduled with the other QEMU tests (cmake/qemu-tests.cmake).

# cmake/stage2-tests.cmake — the tests of flashing from RAM (stage2): the pure parts' unit tests
fs_unit(elf_deps)
fs_unit(stage2_req)
fs_unit(stage2_policy)

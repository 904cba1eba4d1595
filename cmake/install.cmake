# cmake/install.cmake — what `make install` puts where, in two components that are also the two Debian packages
# (cpack -G DEB, packaging/debian/build.sh): failsafed (the board's daemon, its applets, their man pages in section
# 8) and failsafectl (the PC's command, its man page in section 1, bash completion). docs/packaging.md
include(GNUInstallDirs)

install(TARGETS failsafed RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR} COMPONENT failsafed)
# The applets OpenWrt users call by name are links to the multi-call binary.
set(FAILSAFED_APPLET_LINKS mount_root firstboot sysupgrade)
foreach(a ${FAILSAFED_APPLET_LINKS})
  install(CODE "execute_process(COMMAND \${CMAKE_COMMAND} -E create_symlink failsafed
                \$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}/${a})" COMPONENT failsafed)
endforeach()
# failsafectl needs libcurl, which a cross build may lack (it is then not built).
if(CURL_FOUND)
  install(TARGETS failsafectl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT failsafectl)
  install(FILES ${CMAKE_SOURCE_DIR}/packaging/bash-completion/failsafectl
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT failsafectl)
endif()

# Man pages (mdoc, docs/man/; tests/test_man_pages.py checks them against each --help), installed compressed.
set(man_failsafed failsafed.8 mount_root.8 firstboot.8 sysupgrade.8)
set(man_failsafectl failsafectl.1)
set(man_gz "")
foreach(comp failsafed failsafectl)
  foreach(page ${man_${comp}})
    string(REGEX REPLACE ".*\\." "" section ${page})
    set(gz ${CMAKE_BINARY_DIR}/man/${page}.gz)
    add_custom_command(OUTPUT ${gz}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND sh -c "gzip -9n <\"$1\" >\"$2\"" sh ${CMAKE_SOURCE_DIR}/docs/man/${page} ${gz}
      DEPENDS ${CMAKE_SOURCE_DIR}/docs/man/${page}
      VERBATIM)
    list(APPEND man_gz ${gz})
    if(comp STREQUAL "failsafed" OR CURL_FOUND)
      install(FILES ${gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section} COMPONENT ${comp})
    endif()
  endforeach()
endforeach()
add_custom_target(man ALL DEPENDS ${man_gz})

# A Debian package's own files: copyright, changelog, lintian overrides (packaging/debian/build.sh turns them on).
option(FAILSAFED_DEBIAN "install the Debian packages' copyright, changelog and lintian overrides" OFF)
set(FAILSAFED_DEB_MAINTAINER "failsafed maintainers <failsafed@example.org>" CACHE STRING
    "the Debian packages' Maintainer (and their changelog's)")
if(FAILSAFED_DEBIAN)
  set(deb_docs "")
  foreach(comp failsafed failsafectl)
    if(NOT comp STREQUAL "failsafed" AND NOT CURL_FOUND)
      continue()
    endif()
    set(FAILSAFED_DEB_PACKAGE ${comp})
    set(d ${CMAKE_BINARY_DIR}/debian-doc/${comp})
    configure_file(${CMAKE_SOURCE_DIR}/packaging/debian/changelog.in ${d}/changelog.Debian @ONLY)
    add_custom_command(OUTPUT ${d}/changelog.Debian.gz
      COMMAND sh -c "gzip -9n <\"$1\" >\"$2\"" sh ${d}/changelog.Debian ${d}/changelog.Debian.gz
      DEPENDS ${d}/changelog.Debian
      VERBATIM)
    list(APPEND deb_docs ${d}/changelog.Debian.gz)
    install(FILES ${CMAKE_SOURCE_DIR}/packaging/debian/copyright ${d}/changelog.Debian.gz
            DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${comp} COMPONENT ${comp})
    install(FILES ${CMAKE_SOURCE_DIR}/packaging/debian/${comp}.lintian-overrides
            DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME ${comp} COMPONENT ${comp})
  endforeach()
  add_custom_target(debian-doc ALL DEPENDS ${deb_docs})
endif()

include(${CMAKE_SOURCE_DIR}/packaging/debian/cpack.cmake)

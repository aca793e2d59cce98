# SPDX-License-Identifier: GPL-2.0-or-later
# `cpack -G DEB` in the build folder makes tcpdiag_<version>+ws<major.minor>_<arch>.deb
# for the Wireshark this tree was configured against. The plugin ABI is
# major.minor exact, so the package installs into that Wireshark's global
# plugins/<major.minor>/epan folder and depends on the Debian package that ships
# the libwireshark found (libwireshark16 for 4.0, libwireshark18 for 4.4, ...),
# within that major.minor. Both names are asked from dpkg, never written here.

# The Debian package that owns FILE (after symlinks), or "" when dpkg does not know it.
function(tcpdiag_owning_package file out)
  set(${out} "" PARENT_SCOPE)
  find_program(TCPDIAG_DPKG_QUERY dpkg-query)
  if(NOT TCPDIAG_DPKG_QUERY OR NOT file)
    return()
  endif()
  get_filename_component(real "${file}" REALPATH)
  execute_process(COMMAND ${TCPDIAG_DPKG_QUERY} -S "${real}" OUTPUT_VARIABLE owner
                  RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  # "libwireshark18:amd64: /usr/lib/x86_64-linux-gnu/libwireshark.so.18.0.19"
  if(rc EQUAL 0 AND owner MATCHES "^([^:, ]+)")
    set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
  endif()
endfunction()

get_target_property(_tcpdiag_libwireshark epan LOCATION)
tcpdiag_owning_package("${_tcpdiag_libwireshark}" TCPDIAG_DEB_WIRESHARK_LIB)
find_library(_tcpdiag_libglib NAMES glib-2.0 HINTS ${GLIB_LIBRARY_DIRS})
tcpdiag_owning_package("${_tcpdiag_libglib}" TCPDIAG_DEB_GLIB_LIB)

if(NOT TCPDIAG_DEB_WIRESHARK_LIB OR NOT TCPDIAG_DEB_GLIB_LIB)
  message(STATUS "No .deb target: the Wireshark found (${_tcpdiag_libwireshark}) is not from a Debian package")
  return()
endif()

# The package carries the plugin at the global folder, whoever configured the
# tree (`cmake --install` as a normal user uses the personal folder instead).
file(RELATIVE_PATH _tcpdiag_deb_dir "${Wireshark_INSTALL_PREFIX}" "${Wireshark_PLUGIN_INSTALL_DIR}/epan")
install(TARGETS tcpdiag LIBRARY DESTINATION "${_tcpdiag_deb_dir}" COMPONENT deb EXCLUDE_FROM_ALL)

math(EXPR _tcpdiag_next_minor "${Wireshark_MINOR_VERSION} + 1")
set(CPACK_PACKAGE_NAME tcpdiag)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}+ws${TCPDIAG_WS_RELEASE}")
set(CPACK_PACKAGE_CONTACT "tcpdiag maintainers <tcpdiag@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "TCP diagnostics plugin for Wireshark ${TCPDIAG_WS_RELEASE} and tshark")
# CPack puts the summary on the Description line and indents these lines itself.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "A postdissector that shows, on every TCP segment, the handshake verdict, the
netstat state of both endpoints, why a segment was retransmitted (kind and
probable causes) and MSS / path MTU risks, with netstat-like reports
(tshark -z tcpdiag,summary / netstat / conns).
Built against Wireshark ${Wireshark_VERSION}; it loads only in ${TCPDIAG_WS_RELEASE}.x.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "${TCPDIAG_DEB_WIRESHARK_LIB} (>= ${TCPDIAG_WS_RELEASE}), ${TCPDIAG_DEB_WIRESHARK_LIB} (<< ${Wireshark_MAJOR_VERSION}.${_tcpdiag_next_minor}~), ${TCPDIAG_DEB_GLIB_LIB}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "tshark | wireshark")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX "${Wireshark_INSTALL_PREFIX}")
set(CPACK_COMPONENTS_ALL deb)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_GENERATOR DEB)
include(CPack)

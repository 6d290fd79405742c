# The Debian package (CPack DEB) of what `cmake --install` installs: `ci/package` builds it,
# the test package_install installs it into a scratch root and runs it.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME xsime-conform)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "xsime-conform")
set(CPACK_PACKAGE_CONTACT "xsime-conform maintainers <xsime-conform@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "conformance harness and reference server for the XSIME protocol")
set(CPACK_PACKAGE_DESCRIPTION
    "xsime-conform replays JSON scenarios against a server or a client of the
Instant Message eXtension (XSIME) of the TF PROTOCOL, by default against its
own embedded reference server, and reports to the console, JUnit XML, JSON
and HTML. The package holds the conformance suite with its clause catalogue,
the reference server and client, and the documentation.")
# Debian's own paths, whatever CMAKE_INSTALL_PREFIX the build tree has: the binary finds the
# scenario set relative to itself (cli/CMakeLists.txt), so any prefix packages correctly.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Installed binaries carry no debug sections (a RelWithDebInfo or Debug tree packages small).
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # xsime-conform_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/xsime-conform")
# Runtime dependencies from the binary itself (dpkg-shlibdeps, Debian's dpkg-dev; CPack also
# needs `file`): libssl3, libarchive13, libstdc++6, ... and libasan8 in a sanitizer build.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# cpack installs what is built without building the whole tree first (its "preinstall" step
# would otherwise build every test too, beside the running tests in package_install); ci/package
# builds before it packages. This also makes `make install` skip the build, as `cmake --install`
# always does.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

include(CPack)

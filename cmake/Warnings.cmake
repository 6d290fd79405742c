# Warning flags for the project's own targets: xsime_warnings(<target>).
function(xsime_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion)
  # g++ 12's flow analysis under sanitizer instrumentation reports maybe-uninitialized
  # inside libstdc++ (std::regex, std::function); the unsanitized builds keep the warning.
  if(XSIME_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  # g++ 12 at -O2 reports a false -Wrestrict on `"literal" + std::string` (GCC bug 105651).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(XSIME_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

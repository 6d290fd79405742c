# Warning flags for the project's own targets: xsime_warnings(<target>).
function(xsime_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion)
  if(XSIME_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Writes xsime-conform.1.gz from the built binary's help (cmake -P, run by cli/CMakeLists.txt):
# help2man turns the top-level --help and --version into the page, and every subcommand's own
# --help becomes a subsection of COMMANDS, so the page documents each option where it applies.
#
#   cmake -DBINARY=... -DHELP2MAN=... -DGZIP=... -DOUTPUT=.../xsime-conform.1.gz
#         -DDATADIR=/usr/share/xsime-conform -DDOCDIR=/usr/share/doc/xsime-conform
#         -P cmake/ManPage.cmake
foreach(variable BINARY HELP2MAN GZIP OUTPUT DATADIR DOCDIR)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "ManPage.cmake: -D${variable}=... is required")
  endif()
endforeach()

# The subcommand names: the indented first words of the Commands (or CLI11's SUBCOMMANDS)
# section of --help.
function(list_subcommands out)
  execute_process(COMMAND "${BINARY}" --help OUTPUT_VARIABLE help RESULT_VARIABLE status
                  TIMEOUT 60)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "ManPage.cmake: '${BINARY} --help' exited ${status}")
  endif()
  string(REPLACE ";" "\\;" help "${help}")
  string(REPLACE "\n" ";" lines "${help}")
  set(in_section FALSE)
  set(names "")
  foreach(line IN LISTS lines)
    string(TOUPPER "${line}" upper)
    if(upper MATCHES "^(SUB)?COMMANDS:?$")
      set(in_section TRUE)
    elseif(in_section AND line MATCHES "^[^ ]")
      set(in_section FALSE) # the next heading
    elseif(in_section AND line MATCHES "^  ([a-z][a-z0-9-]*)( |$)")
      list(APPEND names "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  if(NOT names)
    message(FATAL_ERROR "ManPage.cmake: no Commands section in '${BINARY} --help'")
  endif()
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

# Text as roff: backslashes and minus signs escaped, and a leading character that roff (or
# help2man's include syntax) would read as a request or a section made literal.
function(roff_escape text out)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "^([.'[/])" "\\\\&\\1" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# One subcommand's --help as roff, read the way help2man reads a --help: lines at column 0 are
# a paragraph (one ending with ':' after a blank line is a heading, in bold), "  TERM  TEXT"
# with a small indent starts an option's paragraph (.TP), and a line indented deeper continues
# the text above it (descriptions wrapped to the terminal width).
function(help_to_roff text out)
  string(REPLACE "${BINARY}" "xsime-conform" text "${text}") # CLI11 may print argv[0]
  string(REPLACE ";" "\\;" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(roff "")
  set(after_blank TRUE)
  set(in_paragraph FALSE)
  foreach(line IN LISTS lines)
    string(REGEX MATCH "^ +" indent "${line}")
    string(LENGTH "${indent}" depth)
    string(STRIP "${line}" line)
    roff_escape("${line}" escaped)
    if(line STREQUAL "")
      set(after_blank TRUE)
      set(in_paragraph FALSE)
      continue()
    elseif(depth EQUAL 0 AND after_blank AND line MATCHES ":$")
      string(APPEND roff ".PP\n\\fB${escaped}\\fR\n")
    elseif(depth EQUAL 0 AND NOT in_paragraph)
      string(APPEND roff ".PP\n${escaped}\n")
      set(in_paragraph TRUE)
    elseif(depth EQUAL 0 OR depth GREATER 8)
      string(APPEND roff "${escaped}\n")
    else()
      string(FIND "${line}" "  " gap)
      set(term "${line}")
      set(description "")
      if(NOT gap EQUAL -1)
        string(SUBSTRING "${line}" 0 ${gap} term)
        string(SUBSTRING "${line}" ${gap} -1 description)
        string(STRIP "${description}" description)
      endif()
      roff_escape("${term}" term)
      roff_escape("${description}" description)
      string(APPEND roff ".TP\n\\fB${term}\\fR\n")
      if(NOT description STREQUAL "")
        string(APPEND roff "${description}\n")
      endif()
    endif()
    set(after_blank FALSE)
  endforeach()
  set(${out} "${roff}" PARENT_SCOPE)
endfunction()

list_subcommands(subcommands)
get_filename_component(work "${OUTPUT}" DIRECTORY)
set(include_file "${work}/xsime-conform.h2m")
set(page "${work}/xsime-conform.1")
# No hyphenation (an option split at a line end reads wrong); COMMANDS, not a standard section,
# comes after OPTIONS and before ENVIRONMENT.
set(sections "[<DESCRIPTION]
.nh
[COMMANDS]
Each command takes its own options, printed by
\\fBxsime\\-conform\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR.
")
foreach(name IN LISTS subcommands)
  execute_process(COMMAND "${BINARY}" ${name} --help OUTPUT_VARIABLE help
                  RESULT_VARIABLE status TIMEOUT 60)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "ManPage.cmake: '${BINARY} ${name} --help' exited ${status}")
  endif()
  help_to_roff("${help}" help)
  string(APPEND sections ".SS \"xsime\\-conform ${name}\"\n${help}")
endforeach()
roff_escape("${DATADIR}" datadir)
roff_escape("${DOCDIR}" docdir)
string(APPEND sections "[ENVIRONMENT]
.TP
.B XSIME_SCENARIOS
The scenario set (a folder with \\fBclauses.json\\fR) that \\fBrun\\fR, \\fBcoverage\\fR and
\\fBfmt\\fR use instead of ./scenarios and the installed set; \\fB\\-\\-scenarios\\fR \\fIDIR\\fR
overrides it.
[FILES]
.TP
.I ./scenarios
The scenario set of the current folder, used when it exists.
.TP
.I ${datadir}/scenarios
The installed scenario set (clause catalogue, schema, FORMAT.md), used otherwise; first looked
for as \\fI../share/xsime\\-conform/scenarios\\fR from the binary's folder, so an unpacked
package works where it lies.
[SEE ALSO]
The documentation in \\fI${docdir}\\fR, README.md first: testing a server or a client,
the reports, the TF transport, the client driver protocol, the reference server.
")
file(WRITE "${include_file}" "${sections}")

execute_process(
  COMMAND "${HELP2MAN}" --no-info --section 1 --include "${include_file}"
          --name "conformance harness and reference server for XSIME" --output "${page}"
          "${BINARY}"
  RESULT_VARIABLE status ERROR_VARIABLE errors TIMEOUT 120)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "ManPage.cmake: help2man failed (${status}): ${errors}")
endif()
# Debian policy: man pages gzipped at maximum compression, without a name or time stamp.
execute_process(COMMAND "${GZIP}" -9nf "${page}" RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR NOT EXISTS "${OUTPUT}")
  message(FATAL_ERROR "ManPage.cmake: '${GZIP} -9nf ${page}' did not make ${OUTPUT}")
endif()

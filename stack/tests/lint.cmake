# Source lint of the reference stack (STYLE R1, R27), a grep in CMake:
#
#  1. #include <...> only of C11 freestanding headers and <string.h>: never
#     <stdio.h>, <stdlib.h>, <time.h>, <errno.h>, sockets or anything else
#     of the hosted library.
#  2. no non-const static variables, at file scope or in a function: every
#     line that starts a declaration with "static" must either declare a
#     function or be const (`static const ...`). A pointer that is itself
#     mutable (`static const char *p`) passes this lint but not the nm
#     check in purity.cmake.
#
# Usage: cmake -DROOT=<stack dir> -P lint.cmake

cmake_minimum_required(VERSION 3.20)

if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<stack dir> -P lint.cmake")
endif()
get_filename_component(ROOT "${ROOT}" ABSOLUTE)

set(ALLOWED_HEADERS float.h iso646.h limits.h stdalign.h stdarg.h stdbool.h
                    stddef.h stdint.h stdnoreturn.h string.h)

file(GLOB_RECURSE files "${ROOT}/src/*.c" "${ROOT}/src/*.h"
     "${ROOT}/include/*.h")
list(SORT files)
if(NOT files)
  message(FATAL_ERROR "lint: no sources under ${ROOT}/src or ${ROOT}/include")
endif()

set(problems "")
foreach(f IN LISTS files)
  file(READ "${f}" text)
  file(RELATIVE_PATH rel "${ROOT}/.." "${f}")
  # Turn the file into a CMake list of lines. Characters that CMake lists
  # treat specially (; \ [ ]) are masked first; the lint never needs them.
  string(REPLACE ";" "<S>" text "${text}")
  string(REPLACE "\\" "<B>" text "${text}")
  string(REPLACE "[" "<L>" text "${text}")
  string(REPLACE "]" "<R>" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")

  set(n 0)
  set(pending "")     # a static declaration spread over several lines
  set(pending_at 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")

    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*<([^>]*)>")
      if(NOT CMAKE_MATCH_1 IN_LIST ALLOWED_HEADERS)
        string(APPEND problems "\n  ${rel}:${n}: #include <${CMAKE_MATCH_1}>:"
               " the stack may use only <string.h> (memcpy-class) and"
               " freestanding headers (STYLE R1)")
      endif()
    endif()

    # Gather a declaration that starts with "static" up to the first
    # character that settles it: '(' (a function, unless "(*": a function
    # pointer), or ';', '=', '{' (a variable).
    if(pending STREQUAL "" AND line MATCHES "^[ \t]*static[ \t]")
      if(line MATCHES "^[ \t]*static[ \t]+(inline|_Noreturn)[ \t]")
        continue()
      endif()
      set(pending_at ${n})
      set(pending "${line}")
    elseif(NOT pending STREQUAL "")
      string(APPEND pending " ${line}")
    else()
      continue()
    endif()
    if(NOT pending MATCHES "^([^(=<{]|<[^S])*(\\(\\*?|=|<S>|{)")
      math(EXPR span "${n} - ${pending_at}")
      if(span GREATER 5) # not a declaration after all
        set(pending "")
      endif()
      continue()
    endif()
    set(decl "${CMAKE_MATCH_0}")
    set(stop "${CMAKE_MATCH_2}")
    set(pending "")
    if(stop STREQUAL "(")
      continue() # a function
    endif()
    if(NOT decl MATCHES "(^|[^A-Za-z0-9_])const([^A-Za-z0-9_]|$)")
      string(REPLACE "<S>" ";" shown "${decl}")
      string(REGEX REPLACE "[ \t]+" " " shown "${shown}")
      string(STRIP "${shown}" shown)
      string(APPEND problems "\n  ${rel}:${pending_at}: non-const static"
             " variable '${shown}': state lives in objects passed explicitly"
             " (STYLE R27)")
    endif()
  endforeach()
endforeach()

if(problems)
  set(text "${problems}")
  string(REPLACE "<B>" "\\" text "${text}")
  string(REPLACE "<L>" "[" text "${text}")
  string(REPLACE "<R>" "]" text "${text}")
  message("lint: the stack breaks its purity rules:${text}")
  message(FATAL_ERROR "lint: failed")
endif()
list(LENGTH files nfiles)
message(STATUS "lint: ${nfiles} files of ${ROOT}: includes and statics clean")

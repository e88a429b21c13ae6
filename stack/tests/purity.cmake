# Purity check of the reference stack (STYLE R1, R27; ARCHITECTURE "stack/
# depends on nothing"). Runs nm on the plain (uninstrumented) static library:
#
#  1. every undefined symbol (nm -u) that no member of the library defines
#     must be on the allow-list: memcpy-class functions and the compiler's
#     own helpers. malloc, printf, time, rand, abort, __assert_fail, errno
#     and friends all fail here, however they got in.
#  2. no member defines an object in a writable section (.data, .bss,
#     thread-local or common; objdump -t): a mutable global or a function-
#     or file-scope static variable. Const tables live in .rodata or, for
#     tables of pointers in PIE builds, in .data.rel.ro, which is allowed.
#
# Usage: cmake -DNM=<nm> -DOBJDUMP=<objdump> -DLIB=<libtcpref_plain.a>
#              -P purity.cmake

cmake_minimum_required(VERSION 3.20)

if(NOT NM OR NOT OBJDUMP OR NOT LIB)
  message(FATAL_ERROR
          "usage: cmake -DNM=<nm> -DOBJDUMP=<objdump> -DLIB=<lib.a> -P purity.cmake")
endif()
if(NOT EXISTS "${LIB}")
  message(FATAL_ERROR "purity: ${LIB} does not exist (build it first)")
endif()

# Symbols the stack may need from outside: STYLE R1's <string.h> subset, and
# what compilers emit on their own (stack protector, libgcc/compiler-rt
# arithmetic helpers on narrow targets, the GOT of i386 PIC code).
set(ALLOWED memcpy memmove memset memcmp
            __stack_chk_fail __stack_chk_fail_local __stack_chk_guard
            _GLOBAL_OFFSET_TABLE_)
set(ALLOWED_REGEX
    "^__(u?(div|mod)|mul|ashl|ashr|lshr|popcount|clz|ctz|ffs|bswap|cmp|ucmp)[a-z]*[0-9]$")

function(run_nm out)
  execute_process(COMMAND ${NM} ${ARGN} "${LIB}"
                  OUTPUT_VARIABLE text ERROR_VARIABLE err
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "purity: ${NM} ${ARGN} ${LIB} failed (${rc}): ${err}")
  endif()
  string(REPLACE "\n" ";" lines "${text}")
  set(${out} "${lines}" PARENT_SCOPE)
endfunction()

# Defined symbols (nm), so that calls between members of the library count
# as satisfied.
run_nm(defined_lines --defined-only)
set(defined "")
foreach(line IN LISTS defined_lines)
  if(line MATCHES "^[0-9a-fA-F]* *[A-Za-z?-] (.+)$")
    list(APPEND defined "${CMAKE_MATCH_1}")
  endif()
endforeach()

# Writable data: objects in .data, .bss, thread-local or common sections.
# nm's letters cannot tell .data from .data.rel.ro (where PIE puts const
# tables of pointers, read-only after relocation), so this asks objdump.
execute_process(COMMAND ${OBJDUMP} -t "${LIB}"
                OUTPUT_VARIABLE text ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "purity: ${OBJDUMP} -t ${LIB} failed (${rc}): ${err}")
endif()
string(REPLACE "\n" ";" objdump_lines "${text}")
set(mutable "")
set(member "?")
foreach(line IN LISTS objdump_lines)
  if(line MATCHES "^(.+):[ \t]+file format")
    set(member "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^[0-9a-fA-F]+ (.......) ([^ \t]+)\t[0-9a-fA-F]+ +(.+)$")
    set(flags "${CMAKE_MATCH_1}")
    set(section "${CMAKE_MATCH_2}")
    set(sym "${CMAKE_MATCH_3}")
    if(section MATCHES "^\\.data\\.rel\\.ro")
      continue()
    endif()
    if(section MATCHES "^(\\.data|\\.bss|\\.tdata|\\.tbss|\\.sdata|\\.sbss|\\*COM\\*)"
       AND flags MATCHES "O")
      list(APPEND mutable "  ${member}: ${sym} (in ${section})")
    endif()
  endif()
endforeach()

if(NOT defined)
  message(FATAL_ERROR "purity: ${LIB} defines no symbols: wrong file?")
endif()

# Undefined symbols not satisfied inside the library itself.
run_nm(undef_lines -u)
set(bad "")
set(member "?")
foreach(line IN LISTS undef_lines)
  if(line MATCHES "^(.+):$")
    set(member "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^ *[Uwv] (.+)$")
    set(sym "${CMAKE_MATCH_1}")
    if(sym IN_LIST defined OR sym IN_LIST ALLOWED OR sym MATCHES
                                                     "${ALLOWED_REGEX}")
      continue()
    endif()
    list(APPEND bad "  ${member}: ${sym}")
  endif()
endforeach()

set(failed FALSE)
if(bad)
  list(REMOVE_DUPLICATES bad)
  list(JOIN bad "\n" text)
  list(JOIN ALLOWED " " allowed_text)
  message("purity: the stack uses symbols outside the allow-list"
          " (${allowed_text}):\n${text}")
  set(failed TRUE)
endif()
if(mutable)
  list(JOIN mutable "\n" text)
  message("purity: the stack has mutable global or static data"
          " (state belongs in objects passed in; tables must be const):\n"
          "${text}")
  set(failed TRUE)
endif()
if(failed)
  message(FATAL_ERROR "purity: ${LIB} is not pure (STYLE R1, R27)")
endif()
list(LENGTH defined n)
message(STATUS "purity: ${LIB}: ${n} symbols defined, only allowed imports,"
               " no mutable data")

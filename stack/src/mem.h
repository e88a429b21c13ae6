/* SPDX-License-Identifier: MIT
 *
 * The stack's memset, memcpy and memmove through the compiler's builtins.
 * It is compiled -ffreestanding (stack/CMakeLists.txt), where each of them
 * is otherwise a call into the C library, even the clear of a segment
 * record on every segment or the copy of a four-byte address: with the
 * builtins, copies and clears of a known size are inlined and the others
 * stay calls. Included instead of <string.h> by every file of stack/src.
 */
#ifndef TCPREF_MEM_H
#define TCPREF_MEM_H

#include <string.h>

#define memset(d, c, n) __builtin_memset((d), (c), (n))
#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memmove(d, s, n) __builtin_memmove((d), (s), (n))

#endif

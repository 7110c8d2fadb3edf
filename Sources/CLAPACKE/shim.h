#pragma once
#define HAVE_LAPACK_CONFIG_H      /* without it the next define is ignored by LAPACK 3.11 */
#define LAPACK_COMPLEX_STRUCTURE  /* complex as struct {re, im}, not OpaquePointer */
#include <lapacke.h>

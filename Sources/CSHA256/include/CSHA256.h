#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SHA extensions (CPUID.7.0:EBX[29]) plus SSSE3 and SSE4.1, so that
/// `csha256_blocks` may be called; 0 otherwise (and always 0 off x86).
int csha256_hardware_available(void);

/// Runs the SHA-256 compression function (FIPS 180-4 §6.2.2) over `count` consecutive 64-byte
/// blocks at `data`, updating the eight working words `state` (H0..H7, native integers) in place.
/// Only call when `csha256_hardware_available()` returned 1.
void csha256_blocks(uint32_t state[8], const uint8_t *data, size_t count);

#endif

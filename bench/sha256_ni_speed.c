// Throughput of the SHA-NI block function (Sources/CSHA256) on 256 MiB, as SwiftPM's release build
// compiles it (clang -O2), for docs/BENCHMARKS.md and CHANGELOG:
//   clang -O2 -ISources/CSHA256/include bench/sha256_ni_speed.c Sources/CSHA256/sha256_ni.c -o /tmp/sha256_ni_speed
//   /tmp/sha256_ni_speed
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include "CSHA256.h"
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(){ size_t n=256<<20; uint8_t*b=malloc(n); for(size_t i=0;i<n;i++)b[i]=i*7; uint32_t st[8]={0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19};
 double t0=now(); csha256_blocks(st,b,n/64); double t=now()-t0; printf("%.2f GB/s %x\n", n/t/1e9, st[0]); }

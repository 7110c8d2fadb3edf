#!/bin/sh
# Builds the llama2.c fuzzer into .build/fuzz/llama2c (libFuzzer + AddressSanitizer).
# Run: .build/fuzz/llama2c -runs=1000000 Fixtures/malformed/llama2c
set -eu
cd "$(dirname "$0")/../.."
OUT=.build/fuzz/llama2c.d
mkdir -p "$OUT"
FLAGS="-sanitize=fuzzer,address -parse-as-library -O -g"
swiftc $FLAGS -emit-library -static -emit-module -module-name TensorCore Sources/TensorCore/*.swift \
  -emit-module-path "$OUT/TensorCore.swiftmodule" -o "$OUT/libTensorCore.a"
swiftc $FLAGS -emit-library -static -emit-module -module-name WeightFormats -I "$OUT" -I Sources/CZstd \
  Sources/WeightFormats/*.swift -emit-module-path "$OUT/WeightFormats.swiftmodule" -o "$OUT/libWeightFormats.a"
swiftc $FLAGS -module-name FuzzLlama2C -I "$OUT" -I Sources/CZstd Fuzz/llama2c/main.swift \
  "$OUT/libWeightFormats.a" "$OUT/libTensorCore.a" -lzstd -o .build/fuzz/llama2c
echo "built .build/fuzz/llama2c"

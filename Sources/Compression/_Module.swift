/// Module Compression: see ../shared/DESIGN.md. Its API lands with the issue that builds it.
enum _CompressionModule {}

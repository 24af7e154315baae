# SPDX-License-Identifier: Apache-2.0
# Cross-compiles the shim for 64-bit ARM Linux with Debian's cross compiler (apt-get install
# gcc-aarch64-linux-gnu). The library lands in linux-aarch64/libpants.so, where JNA looks:
#   cmake -S native -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
#   cmake --build build-arm
# build-arm/pants_load_test loads it under qemu-aarch64 (qemu-user; see .ci/run).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(PANTS_CROSS_PREFIX aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${PANTS_CROSS_PREFIX}-gcc)

# Headers and libraries of the target only, programs of the host.
set(CMAKE_FIND_ROOT_PATH /usr/${PANTS_CROSS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

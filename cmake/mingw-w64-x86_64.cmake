# SPDX-License-Identifier: Apache-2.0
# Cross-compiles the shim for 64-bit Windows on Linux with MinGW-w64 (Debian: apt-get install
# mingw-w64). The DLL lands in win32-x86-64/pants.dll, where JNA looks on Windows:
#   cmake -S native -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
#   cmake --build build-win
# The test program build-win/pants_iocp_test.exe runs under Wine (see .ci/run).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(PANTS_MINGW_PREFIX x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${PANTS_MINGW_PREFIX}-gcc)
set(CMAKE_RC_COMPILER ${PANTS_MINGW_PREFIX}-windres)

# Headers and libraries of the target only, programs of the host.
set(CMAKE_FIND_ROOT_PATH /usr/${PANTS_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

# A PE file carries its link time, and with auto-image-base an image base hashed from the
# output's path; leave both out, so that two builds of one commit, in any directory, give the
# same DLL and with it the same jar (project.build.outputTimestamp does the rest). Windows
# relocates the DLL anyway (ASLR), so the fixed default base costs nothing.
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,--no-insert-timestamp -Wl,--disable-auto-image-base")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--no-insert-timestamp -Wl,--disable-auto-image-base")

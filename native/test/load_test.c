// SPDX-License-Identifier: Apache-2.0
/* Loads the shim as JNA does (dlopen) and calls into it: the check that a cross-compiled
 * libpants.so (linux-aarch64, under qemu-aarch64 in .ci/run) links and runs on its target,
 * where the Java tests cannot reach. Usage: pants_load_test path/to/libpants.so */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s path/to/libpants.so\n", argv[0]);
        return 2;
    }
    void *shim = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (shim == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
        return 1;
    }
    int32_t (*version)(void) = (int32_t (*)(void)) dlsym(shim, "pants_version");
    int32_t (*strerror_into)(int32_t, char *, int32_t) =
        (int32_t (*)(int32_t, char *, int32_t)) dlsym(shim, "pants_strerror");
    if (version == NULL || strerror_into == NULL) {
        fprintf(stderr, "%s lacks pants_version or pants_strerror: %s\n", argv[1], dlerror());
        return 1;
    }
    char message[128];
    if (version() <= 0 || strerror_into(2, message, sizeof message) != 0 || message[0] == '\0') {
        fprintf(stderr, "%s: pants_version %d, or pants_strerror wrote nothing\n", argv[1], (int) version());
        return 1;
    }
    printf("%s: pants_version %d, errno 2 is \"%s\"\n", argv[1], (int) version(), message);
    return 0;
}

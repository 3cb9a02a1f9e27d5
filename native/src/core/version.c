#include "nana.h"

#include <errno.h>
#include <string.h>

int32_t nana_abi_version(void) {
    return NANA_ABI_VERSION;
}

int32_t nana_strerror(int32_t errnum, char *buf, int32_t len) {
    if (buf == NULL || len <= 0)
        return -EINVAL;
    const char *s = strerrordesc_np(errnum);
    if (s == NULL)
        s = "Unknown error";
    size_t n = strnlen(s, (size_t)len - 1);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return (int32_t)n;
}

/* A minimal test harness for ctest: each test program runs its TEST()s and
 * exits non-zero if any CHECK failed. */
#ifndef NANA_CHECK_H
#define NANA_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long _a = (long long)(a), _b = (long long)(b);                                        \
        if (_a != _b) {                                                                            \
            fprintf(stderr, "%s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #a, _a, _b);     \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *_a = (a), *_b = (b);                                                           \
        if (strcmp(_a, _b) != 0) {                                                                 \
            fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n", __FILE__, __LINE__, #a, _a, _b); \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

#define RUN(test)                                                                                  \
    do {                                                                                           \
        int _before = check_failures;                                                              \
        test();                                                                                    \
        printf("%s %s\n", check_failures == _before ? "ok  " : "FAIL", #test);                     \
    } while (0)

#define CHECK_DONE() (check_failures == 0 ? 0 : 1)

/* A fresh temporary directory for one test program. */
static inline const char *check_tmpdir(void) {
    static char dir[] = "/tmp/nana-ctest-XXXXXX";
    static int made;
    if (!made && mkdtemp(dir) != NULL)
        made = 1;
    return dir;
}

#endif

/* tcpdiag_check.h - the unit tests' only "framework": a few CHECK macros.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A failed check prints file:line, the current context, the expression and
 * the values, and the test carries on; tcpdiag_check_finish() prints a
 * summary and returns the exit status (non-zero when anything failed).
 * Include this header from exactly one translation unit per test program.
 */
#ifndef TCPDIAG_CHECK_H
#define TCPDIAG_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tcpdiag_check_failures;
static int tcpdiag_check_count;
static char tcpdiag_check_ctx[160];

/* What is being checked right now ("normal open, frame 3"): printed with failures. */
static inline void check_context(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tcpdiag_check_ctx, sizeof tcpdiag_check_ctx, fmt, ap);
    va_end(ap);
}

static inline void check_fail_header(const char *file, int line)
{
    tcpdiag_check_failures++;
    fprintf(stderr, "%s:%d: FAIL%s%s%s: ", file, line, tcpdiag_check_ctx[0] ? " [" : "",
            tcpdiag_check_ctx, tcpdiag_check_ctx[0] ? "]" : "");
}

#define CHECK(expr)                                                              \
    do {                                                                         \
        tcpdiag_check_count++;                                                   \
        if (!(expr)) {                                                           \
            check_fail_header(__FILE__, __LINE__);                               \
            fprintf(stderr, "%s\n", #expr);                                      \
        }                                                                        \
    } while (0)

#define CHECK_EQ_INT(actual, expected)                                           \
    do {                                                                         \
        long long a_ = (long long)(actual), e_ = (long long)(expected);          \
        tcpdiag_check_count++;                                                   \
        if (a_ != e_) {                                                          \
            check_fail_header(__FILE__, __LINE__);                               \
            fprintf(stderr, "%s == %s: got %lld (0x%llx), expected %lld (0x%llx)\n", \
                    #actual, #expected, a_, (unsigned long long)a_, e_,          \
                    (unsigned long long)e_);                                     \
        }                                                                        \
    } while (0)

#define CHECK_EQ_STR(actual, expected)                                           \
    do {                                                                         \
        const char *a_ = (actual), *e_ = (expected);                             \
        tcpdiag_check_count++;                                                   \
        if (!a_ || !e_ || strcmp(a_, e_) != 0) {                                 \
            check_fail_header(__FILE__, __LINE__);                               \
            fprintf(stderr, "%s == %s: got \"%s\", expected \"%s\"\n", #actual,  \
                    #expected, a_ ? a_ : "(null)", e_ ? e_ : "(null)");          \
        }                                                                        \
    } while (0)

/* Equality of enum-like values, printed through a naming function
 * `const char *namefn(long long)`. */
#define CHECK_EQ_NAMED(actual, expected, namefn)                                 \
    do {                                                                         \
        long long a_ = (long long)(actual), e_ = (long long)(expected);          \
        tcpdiag_check_count++;                                                   \
        if (a_ != e_) {                                                          \
            check_fail_header(__FILE__, __LINE__);                               \
            fprintf(stderr, "%s == %s: got %s (%lld), expected %s (%lld)\n",     \
                    #actual, #expected, namefn(a_), a_, namefn(e_), e_);         \
        }                                                                        \
    } while (0)

static inline int tcpdiag_check_finish(const char *name)
{
    if (tcpdiag_check_failures)
        fprintf(stderr, "%s: %d of %d checks FAILED\n", name, tcpdiag_check_failures,
                tcpdiag_check_count);
    else
        printf("%s: all %d checks passed\n", name, tcpdiag_check_count);
    return tcpdiag_check_failures ? 1 : 0;
}

#endif

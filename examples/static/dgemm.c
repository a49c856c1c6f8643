/* dgemm: multiply two N x N matrices with OpenBLAS and print a checksum.
 *
 * The workshop's static-linking example. The entries are small integers,
 * so every product and sum is exact in double precision: the checksum is
 * the same whichever kernel OpenBLAS picks for the CPU, however many
 * threads it uses, and however the program is linked. The result is also
 * checked against a plain triple loop.
 *
 * Build:  gcc -O2 -o dgemm dgemm.c -lopenblas
 *         gcc -O2 -static -o dgemm dgemm.c -lopenblas -lpthread -lm
 * Prints: dgemm 256x256 checksum <sum of C> ok
 */
#include <stdio.h>
#include <stdlib.h>

#include <cblas.h>

#define N 256

int main(void) {
    double *a = malloc(sizeof(double) * N * N);
    double *b = malloc(sizeof(double) * N * N);
    double *c = malloc(sizeof(double) * N * N);
    if (a == NULL || b == NULL || c == NULL) {
        fputs("dgemm: out of memory\n", stderr);
        return 1;
    }
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            a[i * N + j] = (double)((i + 2 * j) % 5 + 1);
            b[i * N + j] = (double)((3 * i + j) % 7 - 3);
            c[i * N + j] = 0.0;
        }
    }

    /* C = 1.0 * A B + 0.0 * C, row-major. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, a, N, b, N, 0.0, c, N);

    double checksum = 0.0;
    long mismatches = 0;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            double expected = 0.0;
            for (int k = 0; k < N; k++) {
                expected += a[i * N + k] * b[k * N + j];
            }
            if (c[i * N + j] != expected) {
                mismatches++;
            }
            checksum += c[i * N + j];
        }
    }
    printf("dgemm %dx%d checksum %.0f %s\n", N, N, checksum, mismatches == 0 ? "ok" : "WRONG");
    free(a);
    free(b);
    free(c);
    return mismatches == 0 ? 0 : 1;
}

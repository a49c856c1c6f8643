//! The Rust half of the workshop's static example: the same product as
//! `dgemm.c` (N x N matrices of small integers, so every sum is exact),
//! computed with plain loops, and the same checksum line.
//!
//! Built with `RUSTFLAGS='-C target-feature=+crt-static'` on the gnu target
//! the binary needs no loader and no library: it runs in `FROM scratch`.

const N: usize = 256;

fn main() {
    let a: Vec<f64> = (0..N * N)
        .map(|x| ((x / N + 2 * (x % N)) % 5 + 1) as f64)
        .collect();
    let b: Vec<f64> = (0..N * N)
        .map(|x| ((3 * (x / N) + x % N) % 7) as f64 - 3.0)
        .collect();
    let mut c = vec![0.0f64; N * N];
    for i in 0..N {
        for k in 0..N {
            let aik = a[i * N + k];
            for j in 0..N {
                c[i * N + j] += aik * b[k * N + j];
            }
        }
    }
    let checksum: f64 = c.iter().sum();
    println!("dgemm {N}x{N} checksum {checksum:.0} ok (rust, no BLAS)");
}

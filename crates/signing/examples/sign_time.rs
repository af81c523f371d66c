//! Time one SM2 signature of a licence-sized message (the licence is signed inside the
//! transaction that completes its case, so this is serial time of the case engine):
//! `cargo run --release -p onewindow-signing --example sign_time`.
#![allow(clippy::unwrap_used)]

fn main() {
    let k = onewindow_signing::KeyPair::generate(onewindow_signing::Algorithm::Sm2Sm3).unwrap();
    let msg = vec![b'x'; 1500];
    for _ in 0..50 {
        k.sign(&msg);
    }
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(k.sign(&msg));
    }
    println!(
        "SM2-SM3 sign, 1,500-byte message: {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
}

//! All randomness of a run comes from the run seed, split into named streams so
//! that drawing more in one place (say the workload) does not shift another (the
//! nemesis).
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// FNV-1a, a fixed hash (std's hashers are randomly seeded per process).
fn stream_id(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The generator for stream `name` of run `seed`.
pub fn stream(seed: u64, name: &str) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream_id(name));
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_independent_and_reproducible() {
        let a: u64 = stream(7, "nemesis").random();
        let b: u64 = stream(7, "workload").random();
        assert_ne!(a, b);
        assert_eq!(a, stream(7, "nemesis").random::<u64>());
    }
}

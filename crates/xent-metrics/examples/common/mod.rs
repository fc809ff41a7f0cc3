//! What the score benchmarks share: a fixed pseudo-random stream, so every run scores the same data.

/// Marsaglia's xorshift64 with a fixed start: uniform `f32` in `[0, 1)` from the top 24 bits.
pub struct XorShift(u64);

impl XorShift {
    /// The stream every benchmark starts from.
    pub fn new() -> Self {
        Self(0x9E37_79B9_7F4A_7C15)
    }

    /// The next value in `[0, 1)`.
    pub fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
}

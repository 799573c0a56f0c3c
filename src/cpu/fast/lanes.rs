//! The CPU sampler's operations on [`LANES`] samples at once, in two builds:
//! portable Rust and AVX2. They compute the same words; the AVX2 build is
//! written with intrinsics because the compiler, left to itself, vectorises
//! these loops across the wrong axis (with gathers) or not at all. (An
//! AVX-512 build, one register for all 16 lanes, measured 6–8% slower than
//! AVX2 on this project's AMD EPYC machine and was dropped.)

use crate::cpu::philox::{philox4x32_10, PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1};

/// Samples drawn together.
pub const LANES: usize = 16;

/// One u32 per lane.
pub type Lane = [u32; LANES];

/// The lane operations of one instruction set. A value of an implementing
/// type exists only where the CPU has that set, so the methods are safe.
pub trait Lanes: Copy {
    /// Philox4x32-10 for the counters `(lo[l], hi[l], word2, 0)` under one
    /// key: word `w` of lane `l` is `philox4x32_10(counter_l, key)[w]`.
    fn philox(self, lo: Lane, hi: Lane, word2: u32, key: [u32; 2]) -> [Lane; 4];

    /// In each lane, for how many i `words[i]` is ≥ `thresholds[i]`.
    fn count_at_least(self, thresholds: &[u32], words: &[Lane]) -> Lane;
}

/// Plain Rust, for any CPU.
#[derive(Clone, Copy)]
pub struct Portable;

impl Lanes for Portable {
    #[inline(always)]
    fn philox(self, lo: Lane, hi: Lane, word2: u32, key: [u32; 2]) -> [Lane; 4] {
        let mut words = [[0; LANES]; 4];
        for l in 0..LANES {
            let w = philox4x32_10([lo[l], hi[l], word2, 0], key);
            for (dst, src) in words.iter_mut().zip(w) {
                dst[l] = src;
            }
        }
        words
    }

    #[inline(always)]
    fn count_at_least(self, thresholds: &[u32], words: &[Lane]) -> Lane {
        let mut count = [0; LANES];
        for (&t, r) in thresholds.iter().zip(words) {
            for l in 0..LANES {
                count[l] += u32::from(t <= r[l]);
            }
        }
        count
    }
}

#[cfg(target_arch = "x86_64")]
pub use x86::Avx2;

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;
    use std::arch::x86_64::*;

    /// AVX2: eight lanes per register.
    #[derive(Clone, Copy)]
    pub struct Avx2(());

    impl Avx2 {
        /// `Some` where the CPU has AVX2.
        pub fn detect() -> Option<Self> {
            std::arch::is_x86_feature_detected!("avx2").then_some(Avx2(()))
        }
    }

    impl Lanes for Avx2 {
        #[inline(always)]
        fn philox(self, lo: Lane, hi: Lane, word2: u32, key: [u32; 2]) -> [Lane; 4] {
            // SAFETY: an Avx2 exists only where the CPU has AVX2.
            unsafe { philox_avx2(lo, hi, word2, key) }
        }

        #[inline(always)]
        fn count_at_least(self, thresholds: &[u32], words: &[Lane]) -> Lane {
            // SAFETY: as above.
            unsafe { count_at_least_avx2(thresholds, words) }
        }
    }

    /// Eight-lane halves of a [`Lane`].
    const HALVES: usize = LANES / 8;

    #[inline]
    #[target_feature(enable = "avx2")]
    fn load_avx2(a: &Lane, half: usize) -> __m256i {
        let eight = &a[8 * half..8 * half + 8];
        // SAFETY: `eight` is 8 u32 = 256 bits; loadu has no alignment requirement.
        unsafe { _mm256_loadu_si256(eight.as_ptr().cast()) }
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn store_avx2(a: &mut Lane, half: usize, v: __m256i) {
        let eight = &mut a[8 * half..8 * half + 8];
        // SAFETY: as for the load.
        unsafe { _mm256_storeu_si256(eight.as_mut_ptr().cast(), v) }
    }

    /// Philox with the 32×32→64 products of even and odd lanes taken
    /// separately and blended back into high and low halves.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn philox_avx2(lo: Lane, hi: Lane, word2: u32, key: [u32; 2]) -> [Lane; 4] {
        let mul = |m: __m256i, a: __m256i| {
            let even = _mm256_mul_epu32(a, m);
            let odd = _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), m);
            let high = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(even), odd);
            let low = _mm256_blend_epi32::<0b1010_1010>(even, _mm256_slli_epi64::<32>(odd));
            (high, low)
        };
        let m0 = _mm256_set1_epi32(PHILOX_M0 as i32);
        let m1 = _mm256_set1_epi32(PHILOX_M1 as i32);
        let mut c: [[__m256i; 4]; HALVES] = std::array::from_fn(|h| {
            [
                load_avx2(&lo, h),
                load_avx2(&hi, h),
                _mm256_set1_epi32(word2 as i32),
                _mm256_setzero_si256(),
            ]
        });
        let (mut k0, mut k1) = (key[0], key[1]);
        for _ in 0..10 {
            let (kv0, kv1) = (_mm256_set1_epi32(k0 as i32), _mm256_set1_epi32(k1 as i32));
            for v in c.iter_mut() {
                let (hi0, lo0) = mul(m0, v[0]);
                let (hi1, lo1) = mul(m1, v[2]);
                *v = [
                    _mm256_xor_si256(_mm256_xor_si256(hi1, v[1]), kv0),
                    lo1,
                    _mm256_xor_si256(_mm256_xor_si256(hi0, v[3]), kv1),
                    lo0,
                ];
            }
            k0 = k0.wrapping_add(PHILOX_W0);
            k1 = k1.wrapping_add(PHILOX_W1);
        }
        let mut words = [[0; LANES]; 4];
        for (h, v) in c.iter().enumerate() {
            for (dst, &reg) in words.iter_mut().zip(v) {
                store_avx2(dst, h, reg);
            }
        }
        words
    }

    /// AVX2 has no unsigned compare: t ≤ r exactly where max(t, r) = r, and
    /// the all-ones mask of a true compare is -1, so subtracting it counts.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn count_at_least_avx2(thresholds: &[u32], words: &[Lane]) -> Lane {
        let mut count = [_mm256_setzero_si256(); HALVES];
        for (&t, r) in thresholds.iter().zip(words) {
            let t = _mm256_set1_epi32(t as i32);
            for (h, c) in count.iter_mut().enumerate() {
                let v = load_avx2(r, h);
                *c = _mm256_sub_epi32(*c, _mm256_cmpeq_epi32(_mm256_max_epu32(t, v), v));
            }
        }
        let mut out = [0; LANES];
        for (h, &c) in count.iter().enumerate() {
            store_avx2(&mut out, h, c);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lanes with counters across the 32-bit boundary and words near the
    /// thresholds' edges.
    fn counters() -> (Lane, Lane) {
        let index: [u64; LANES] = std::array::from_fn(|l| (l as u64) * 0x1_0000_0001 + 7);
        (index.map(|i| i as u32), index.map(|i| (i >> 32) as u32))
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_lanes_match_the_portable_ones() {
        let Some(lanes) = Avx2::detect() else { return };
        let (lo, hi) = counters();
        let key = [0x9e37_79b9, 0x0123_4567];
        let words = lanes.philox(lo, hi, 3, key);
        assert_eq!(words, Portable.philox(lo, hi, 3, key));
        let mut edge = words;
        edge[0][0] = 0;
        edge[1][1] = u32::MAX;
        edge[2][2] = 0x8000_0000;
        edge[3][3] = 0x7fff_ffff;
        for t in [0, 1, 0x7fff_ffff, 0x8000_0000, 0xc000_0000, u32::MAX] {
            assert_eq!(
                lanes.count_at_least(&[t; 4], &edge),
                Portable.count_at_least(&[t; 4], &edge),
                "threshold {t:#x}"
            );
        }
        let mixed = [0x8000_0000, 1, u32::MAX, 0x4000_0000];
        assert_eq!(
            lanes.count_at_least(&mixed, &edge),
            Portable.count_at_least(&mixed, &edge)
        );
    }

    #[test]
    fn portable_lanes_draw_the_words_of_philox4x32_10() {
        let (lo, hi) = counters();
        let key = [0x9e37_79b9, 0x0123_4567];
        let words = Portable.philox(lo, hi, 3, key);
        for l in 0..LANES {
            let expected = philox4x32_10([lo[l], hi[l], 3, 0], key);
            for w in 0..4 {
                assert_eq!(words[w][l], expected[w], "lane {l}, word {w}");
            }
        }
        let r = [[5; LANES], [6; LANES], [7; LANES]];
        assert_eq!(Portable.count_at_least(&[6; 3], &r), [2; LANES]);
        assert_eq!(Portable.count_at_least(&[5, 7, 7], &r), [2; LANES]);
    }
}

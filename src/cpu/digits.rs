//! Twin of `shaders/digits.wgsl` (keep in sync): the mixed-radix profile
//! number of the enumeration kernel's first profile, advanced by an offset
//! with the kernel's u32 arithmetic.

/// Twin of `add_to_digits` (shaders/digits.wgsl): `digits += offset` in the
/// mixed radix `radices`, with the kernel's u32 arithmetic.
pub fn add_to_digits(radices: &[u32], digits: &mut [u32], offset: u32) {
    let mut carry = offset;
    for (digit, &radix) in digits.iter_mut().zip(radices) {
        let v = *digit + carry % radix;
        carry = carry / radix + u32::from(v >= radix);
        *digit = if v >= radix { v - radix } else { v };
    }
}

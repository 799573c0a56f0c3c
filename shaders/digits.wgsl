// Mixed-radix profile digits: one digit per random part (part 0 least
// significant), radix = the part's outcome count. 64-bit profile numbers stay
// on the host; a kernel gets a dispatch's first profile as digits and adds
// its thread's u32 offset with carries. Rust twin: src/cpu/digits.rs (keep in
// sync). Needs profile.wgsl (part_word); MAX_PARTS comes from src/model/limits.rs.

var<private> digit: array<u32, MAX_PARTS>;

// digit += offset (radices < 2^31, so no sum overflows).
fn add_to_digits(offset: u32) {
    var carry = offset;
    for (var p = 0u; p < config.parts; p++) {
        let radix = part_word(p, PART_OUTCOMES);
        let v = digit[p] + carry % radix;
        carry = carry / radix + select(0u, 1u, v >= radix);
        digit[p] = select(v, v - radix, v >= radix);
    }
}

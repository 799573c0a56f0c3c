// The walk over a simplex of count vectors in rank order (lexicographic
// ascending, `(0, …, 0, total)` first), shared by the kernels that cut such a
// walk into threads: each thread unranks its first vector, then advances.
// The caller sets `simplex_total` (players), `simplex_positions` (entries of
// a vector) and `simplex_binom_at` (word offset of the binomials C(a, b) at
// `a * simplex_positions + b`, a ≤ total + positions − 1) before use.
// Rust twin: src/cpu/simplex.rs (keep in sync; the walk is `Simplex`'s).

var<private> walked: array<u32, MAX_ACTIONS>;
var<private> simplex_total: u32;
var<private> simplex_positions: u32;
var<private> simplex_binom_at: u32;

fn simplex_binom(a: u32, b: u32) -> u32 {
    return words[simplex_binom_at + a * simplex_positions + b];
}

// Vectors with an entry below c at a position with `after` positions behind
// it and `rest` players left (twin: Block::below).
fn below(rest: u32, c: u32, after: u32) -> u32 {
    return simplex_binom(rest + after, after) - simplex_binom(rest - c + after, after);
}

// walked = the vector of rank `rank` (twin: Simplex::unrank).
fn unrank(rank: u32) {
    let k = simplex_positions;
    var r = rank;
    var rest = simplex_total;
    for (var p = 0u; p + 1u < k; p++) {
        let after = k - 1u - p;
        var lo = 0u;
        var hi = rest;
        while lo < hi {
            let mid = lo + (hi - lo + 1u) / 2u;
            if below(rest, mid, after) <= r {
                lo = mid;
            } else {
                hi = mid - 1u;
            }
        }
        walked[p] = lo;
        r -= below(rest, lo, after);
        rest -= lo;
    }
    walked[k - 1u] = rest;
}

// walked = the next vector in rank order; false after the last (twin:
// Simplex::advance).
fn advance() -> bool {
    let last = simplex_positions - 1u;
    if last == 0u {
        return false;
    }
    if walked[last] > 0u {
        walked[last - 1u] += 1u;
        walked[last] -= 1u;
        return true;
    }
    var j = last;
    loop {
        if j == 0u {
            return false;
        }
        j -= 1u;
        if walked[j] > 0u {
            break;
        }
    }
    if j == 0u {
        return false;
    }
    walked[j - 1u] += 1u;
    walked[last] = walked[j] - 1u;
    walked[j] = 0u;
    return true;
}

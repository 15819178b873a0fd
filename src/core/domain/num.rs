//! Integer conversions in one place, so that none of them can truncate or
//! wrap silently: list indices moved by a signed step (a key press, a
//! page, "to the top"), and counts turned into signed numbers. Screen
//! cells have their own saturating helper, [`crate::core::app::geometry::cells`].

/// A count or index as an `i64`, saturating at `i64::MAX` (no list of
/// this program comes near it).
pub fn signed(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A signed step as an `isize`, saturating at its bounds.
fn isize_step(delta: i64) -> isize {
    isize::try_from(delta).unwrap_or(if delta < 0 { isize::MIN } else { isize::MAX })
}

/// Index `i` moved `delta` places in a list of `len`, or `None` when that
/// leaves the list.
pub fn step(i: usize, delta: i64, len: usize) -> Option<usize> {
    i.checked_add_signed(isize_step(delta)).filter(|&j| j < len)
}

/// Index `i` moved `delta` places, stopping at the first and last of a
/// list of `len` (0 for an empty list). Huge steps (`i64::MIN / 2` for
/// "to the top") saturate instead of wrapping.
pub fn step_clamped(i: usize, delta: i64, len: usize) -> usize {
    i.saturating_add_signed(isize_step(delta))
        .min(len.saturating_sub(1))
}

/// Index `i` moved `delta` places round a list of `len` (the last is
/// followed by the first; 0 for an empty list).
pub fn step_wrapping(i: usize, delta: i64, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    // A list's length fits an i64 (a Vec holds at most isize::MAX
    // elements), so the remainder is exact and below `len`.
    let d = delta.rem_euclid(signed(len));
    let d = usize::try_from(d).unwrap_or(0);
    // Both terms are below `len` <= isize::MAX: the sum cannot overflow.
    (i % len + d) % len
}

/// A duration in whole milliseconds, saturating at `u64::MAX` (584
/// million years).
pub fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_saturates() {
        assert_eq!(signed(0), 0);
        assert_eq!(signed(40_000), 40_000);
        assert_eq!(signed(usize::MAX), i64::MAX);
    }

    #[test]
    fn millis_saturate() {
        use std::time::Duration;
        assert_eq!(millis(Duration::from_secs(2)), 2000);
        assert_eq!(millis(Duration::MAX), u64::MAX);
    }

    #[test]
    fn steps_stay_in_the_list_or_say_they_left_it() {
        assert_eq!(step(3, -1, 5), Some(2));
        assert_eq!(step(0, -1, 5), None);
        assert_eq!(step(4, 1, 5), None);
        assert_eq!(step(0, i64::MIN, 5), None);
        assert_eq!(step(0, i64::MAX, 5), None);
        assert_eq!(step(0, 0, 0), None);
    }

    #[test]
    fn clamped_steps_stop_at_the_ends_even_for_huge_steps() {
        assert_eq!(step_clamped(3, -1, 5), 2);
        assert_eq!(step_clamped(3, -10, 5), 0);
        assert_eq!(step_clamped(3, 10, 5), 4);
        assert_eq!(step_clamped(3, i64::MIN / 2, 5), 0);
        assert_eq!(step_clamped(3, i64::MAX / 2, 5), 4);
        assert_eq!(step_clamped(39_999, i64::MAX, 40_000), 39_999);
        assert_eq!(step_clamped(7, 1, 0), 0);
    }

    #[test]
    fn wrapping_steps_go_round() {
        assert_eq!(step_wrapping(0, -1, 5), 4);
        assert_eq!(step_wrapping(4, 1, 5), 0);
        assert_eq!(step_wrapping(2, 12, 5), 4);
        assert_eq!(step_wrapping(2, -12, 5), 0);
        assert_eq!(step_wrapping(0, i64::MIN, 3), 1);
        assert_eq!(step_wrapping(9, 1, 0), 0);
        // A cursor left past the end by a shrunk list comes back in.
        assert_eq!(step_wrapping(9, 0, 5), 4);
    }
}

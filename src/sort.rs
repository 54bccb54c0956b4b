//! Sorting through one instance of the standard sort. Every `sort_by`/`sort_unstable_by_key`
//! call with its own element type or closure compiles its own copy of the standard library's
//! sorting networks and quicksorts (2–9 KB of WebAssembly each; 59 KB in all before this module,
//! docs/size.md). Here every sort becomes a sort of `u128` keys — the key in the high 64 bits,
//! the element's position in the low 32, so equal keys keep their order (stable) — followed by
//! a permutation in place, and the module carries the standard sort once.
//!
//! For the same reason, the SMlog report's groups are keyed by a [`Key`] text instead of a tuple,
//! so that their map shares `BTreeMap<String, usize>`'s code. (The findings' and the XAPI
//! events' indexes keep their tuple keys: building a text key for each finding cost `diagnose()`
//! ~0.4 µs, more than its share of the code is worth.)

use std::cmp::Ordering;

/// The one sort the crate compiles: ascending `u128`s.
#[inline(never)]
fn sort_keys(keys: &mut [u128]) {
    keys.sort_unstable();
}

/// Sorts `v` stably by `key`, ascending.
pub fn sort_by_u64_key<T>(v: &mut [T], key: impl Fn(&T) -> u64) {
    // Already in order (short lists often are): nothing to allocate.
    if v.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
        return;
    }
    // A few elements (the literals one error's text holds, its anchored signatures) are sorted
    // with the keys, the order and `permute`'s marks on the stack: they were three allocations
    // for what is a swap or two. (The same keys and order as below: the same result.)
    if v.len() <= SMALL {
        let mut keys = [0u128; SMALL];
        for (i, x) in v.iter().enumerate() {
            keys[i] = (u128::from(key(x)) << 64) | i as u128;
        }
        let mut order = [0u32; SMALL];
        let mut done = [false; SMALL];
        small_order(&mut keys[..v.len()], &mut order);
        permute(v, &order, &mut done);
        return;
    }
    let mut keys: Vec<u128> = v.iter().enumerate().map(|(i, x)| (u128::from(key(x)) << 64) | i as u128).collect();
    sort_keys(&mut keys);
    let order: Vec<u32> = keys.iter().map(|k| *k as u32).collect();
    permute(v, &order, &mut vec![false; v.len()]);
}

/// Up to this many elements, [`sort_by_u64_key`] sorts on the stack.
const SMALL: usize = 12;

/// The positions of a few keys in ascending order (by insertion), into `order`.
#[inline(never)]
fn small_order(keys: &mut [u128], order: &mut [u32]) {
    for i in 1..keys.len() {
        let mut j = i;
        while j > 0 && keys[j - 1] > keys[j] {
            keys.swap(j - 1, j);
            j -= 1;
        }
    }
    for (o, k) in order.iter_mut().zip(keys.iter()) {
        *o = *k as u32;
    }
}

/// Sorts `u64`s ascending.
pub fn sort_u64(v: &mut [u64]) {
    sort_by_u64_key(v, |x| *x);
}

/// Sorts `v` stably with a comparison (for keys that are not integers), as a merge sort of
/// positions: one non-generic routine for every element type.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.windows(2).all(|w| cmp(&w[0], &w[1]) != Ordering::Greater) {
        return;
    }
    let order = merge_sort_positions(v.len(), &mut |a, b| cmp(&v[a as usize], &v[b as usize]));
    permute(v, &order, &mut vec![false; v.len()]);
}

/// The positions `0..n` in the order `cmp` gives them (stable, bottom-up merge sort).
fn merge_sort_positions(n: usize, cmp: &mut dyn FnMut(u32, u32) -> Ordering) -> Vec<u32> {
    let mut a: Vec<u32> = (0..n as u32).collect();
    let mut b = a.clone();
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                // Take from the right run only when strictly smaller: equal keys keep their order.
                if cmp(a[j], a[i]) == Ordering::Less {
                    b[k] = a[j];
                    j += 1;
                } else {
                    b[k] = a[i];
                    i += 1;
                }
                k += 1;
            }
            b[k..k + (mid - i)].copy_from_slice(&a[i..mid]);
            k += mid - i;
            b[k..k + (end - j)].copy_from_slice(&a[j..end]);
            start = end;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

/// Reorders `v` so that position `i` holds what was at `order[i]` (`order` is a permutation of
/// `0..v.len()`): each cycle of the permutation is followed once with swaps, O(n). `done`
/// holds at least `v.len()` marks, all false.
fn permute<T>(v: &mut [T], order: &[u32], done: &mut [bool]) {
    for start in 0..v.len() {
        if done[start] {
            continue;
        }
        let mut at = start;
        loop {
            done[at] = true;
            let from = order[at] as usize;
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

/// An unambiguous text encoding of a compound key: each part ends with `\x01`, and a `\x01`
/// or `\x02` inside a part is escaped by a `\x02`, so different tuples never give the same
/// text; `\x02\x00` (an absent option) cannot start a part.
/// Only for equality look-ups: the order of two keys is not the order of their tuples.
#[derive(Default)]
pub struct Key(String);

impl Key {
    pub fn str(mut self, s: &str) -> Key {
        if s.contains(['\x01', '\x02']) {
            for c in s.chars() {
                if c == '\x01' || c == '\x02' {
                    self.0.push('\x02');
                }
                self.0.push(c);
            }
        } else {
            self.0.push_str(s);
        }
        self.0.push('\x01');
        self
    }

    pub fn num(mut self, mut n: u64) -> Key {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for &d in &digits[i..] {
            self.0.push(char::from(d));
        }
        self.0.push('\x01');
        self
    }

    pub fn opt(mut self, s: Option<&str>) -> Key {
        match s {
            Some(s) => self.str(s),
            None => {
                self.0.push_str("\x02\x00");
                self
            }
        }
    }

    pub fn done(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_order_as_the_standard_stable_sort() {
        let mut seed = 7u64;
        for n in [0usize, 1, 2, 3, 5, 8, 12, 13, 17, 100, 1000] {
            let v: Vec<(u8, u32)> = (0..n as u32)
                .map(|i| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((seed >> 59) as u8, i)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_by_key(|x| x.0);
            let mut by_key = v.clone();
            sort_by_u64_key(&mut by_key, |x| u64::from(x.0));
            assert_eq!(by_key, expected);
            let mut by_cmp = v.clone();
            sort_by(&mut by_cmp, |a, b| a.0.cmp(&b.0));
            assert_eq!(by_cmp, expected);
        }
        let mut u = vec![5u64, u64::MAX, 0, 3, 3, 1];
        sort_u64(&mut u);
        assert_eq!(u, [0, 1, 3, 3, 5, u64::MAX]);
    }

    #[test]
    fn keys_are_unambiguous() {
        assert_ne!(Key::default().str("a\x01").str("b").done(), Key::default().str("a").str("\x01b").done());
        assert_ne!(Key::default().str("\x02").done(), Key::default().opt(None).done());
        assert_ne!(Key::default().opt(None).done(), Key::default().opt(Some("")).done());
        assert_eq!(Key::default().num(0).num(1234567).done(), "0\x011234567\x01");
    }
}

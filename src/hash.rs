//! A fast non-cryptographic hasher, shared by the layers that keep hashed tables.

/// A hasher that reads eight bytes per step, for tables of long texts where std's SipHash costs
/// more than the lookup saves: the wire writer's texts already sent (`json::SentTexts`) and the
/// index of XAPI's codes (`catalog::api_error`), and the words of the resemblance's model
/// (`rules::resemblance`, a sorted vector searched by hash). The tables are bounded, so inputs
/// crafted to collide can only make a lookup linear in their few thousand entries.
#[derive(Default)]
pub struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        // The table indexes by the low bits: fold the high ones (the best mixed) into them.
        self.0 ^ (self.0 >> 32)
    }
}

/// The [`WordHasher`] hash of `bytes`, in one call.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    use std::hash::Hasher as _;
    let mut h = WordHasher::default();
    h.write(bytes);
    h.finish()
}

/// Hash maps keyed with [`WordHasher`].
pub type BuildWordHasher = std::hash::BuildHasherDefault<WordHasher>;

//! Deltas: applying one to its base, and the cache of resolved bases a walk reuses.

use super::odb::{Object, BASE_CACHE_BYTES, MAX_OBJECT};
use crate::support::generations::Generations;

/// Resolved objects that were the base of a delta, by pack and offset, within a limit of
/// bytes (in two generations: the bases not used since the last turnover leave).
pub(super) struct BaseCache(Generations<(usize, u64), Object>);

impl Default for BaseCache {
    fn default() -> BaseCache {
        BaseCache(Generations::new(BASE_CACHE_BYTES, |object: &Object| {
            object.data.len()
        }))
    }
}

impl BaseCache {
    pub(super) fn get(&mut self, pack: usize, offset: u64) -> Option<Object> {
        self.0.get(&(pack, offset))
    }

    pub(super) fn put(&mut self, pack: usize, offset: u64, object: Object) {
        self.0.put((pack, offset), object);
    }

    /// Keeps at most `bytes` from now on.
    pub(super) fn set_limit(&mut self, bytes: usize) {
        self.0.set_limit(bytes);
    }
}

/// Applies a git delta to `base`; `None` if the delta is malformed or does not fit the base.
pub fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut i = 0;
    let source = varint(delta, &mut i)?;
    if source != base.len() as u64 {
        return None;
    }
    let target = usize::try_from(varint(delta, &mut i)?)
        .ok()
        .filter(|&t| t <= MAX_OBJECT)?;
    let mut out = Vec::new();
    out.try_reserve_exact(target).ok()?;
    while i < delta.len() {
        let op = delta[i];
        i += 1;
        if op & 0x80 != 0 {
            let (mut offset, mut len) = (0usize, 0usize);
            for bit in 0..4 {
                if op & (1 << bit) != 0 {
                    offset |= usize::from(*delta.get(i)?) << (8 * bit);
                    i += 1;
                }
            }
            for bit in 0..3 {
                if op & (0x10 << bit) != 0 {
                    len |= usize::from(*delta.get(i)?) << (8 * bit);
                    i += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            let copy = base.get(offset..offset.checked_add(len)?)?;
            if out.len() + copy.len() > target {
                return None;
            }
            out.extend_from_slice(copy);
        } else if op != 0 {
            let len = usize::from(op);
            let insert = delta.get(i..i + len)?;
            if out.len() + insert.len() > target {
                return None;
            }
            out.extend_from_slice(insert);
            i += len;
        } else {
            return None;
        }
    }
    (out.len() == target).then_some(out)
}

/// A delta's little-endian base-128 size.
pub(super) fn varint(bytes: &[u8], i: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(*i)?;
        *i += 1;
        if shift > 63 {
            return None;
        }
        value |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
}

//! Deltas: applying one to its base, and the cache of resolved bases a walk reuses.

use super::odb::{Object, BASE_CACHE_BYTES, MAX_OBJECT};
use crate::support::fxhash::FxHashMap;

/// Resolved objects that were the base of a delta, by pack and offset, within a limit of
/// bytes; the least recently used leave first.
pub(super) struct BaseCache {
    entries: FxHashMap<(usize, u64), (Object, u64)>,
    bytes: usize,
    pub(super) limit: usize,
    clock: u64,
}

impl Default for BaseCache {
    fn default() -> BaseCache {
        BaseCache {
            entries: FxHashMap::default(),
            bytes: 0,
            limit: BASE_CACHE_BYTES,
            clock: 0,
        }
    }
}

impl BaseCache {
    pub(super) fn get(&mut self, pack: usize, offset: u64) -> Option<Object> {
        self.clock += 1;
        let (object, used) = self.entries.get_mut(&(pack, offset))?;
        *used = self.clock;
        Some(object.clone())
    }

    pub(super) fn put(&mut self, pack: usize, offset: u64, object: Object) {
        let len = object.data.len();
        if len > self.limit / 8 {
            return;
        }
        self.clock += 1;
        if let Some((old, _)) = self.entries.insert((pack, offset), (object, self.clock)) {
            self.bytes -= old.data.len();
        }
        self.bytes += len;
        self.shrink();
    }

    /// Drops the older half of the entries while over the limit: an eviction then costs one
    /// sort per many puts.
    pub(super) fn shrink(&mut self) {
        while self.bytes > self.limit && !self.entries.is_empty() {
            let mut ages: Vec<u64> = self.entries.values().map(|(_, used)| *used).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            let mut freed = 0;
            self.entries.retain(|_, (object, used)| {
                let keep = *used > cut;
                if !keep {
                    freed += object.data.len();
                }
                keep
            });
            self.bytes -= freed;
        }
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

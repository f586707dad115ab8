//! A cache in two generations: what was used lately stays, what was not used since the last
//! turnover leaves, all at once and without sorting anything.

use std::hash::Hash;

use super::fxhash::FxHashMap;

/// Values by key within a limit of bytes. New and reused values go into the young
/// generation; when it holds half the limit it becomes the old one and the old one is
/// dropped, so a value used at least once per turnover stays.
pub(crate) struct Generations<K, V> {
    young: FxHashMap<K, V>,
    old: FxHashMap<K, V>,
    young_bytes: usize,
    old_bytes: usize,
    limit: usize,
    weight: fn(&V) -> usize,
}

impl<K: Hash + Eq, V: Clone> Generations<K, V> {
    /// An empty cache of at most `limit` bytes, each value weighing `weight` bytes.
    pub(crate) fn new(limit: usize, weight: fn(&V) -> usize) -> Generations<K, V> {
        Generations {
            young: FxHashMap::default(),
            old: FxHashMap::default(),
            young_bytes: 0,
            old_bytes: 0,
            limit,
            weight,
        }
    }

    /// The value of `key`, moved into the young generation if it was in the old one.
    pub(crate) fn get(&mut self, key: &K) -> Option<V>
    where
        K: Clone,
    {
        if let Some(value) = self.young.get(key) {
            return Some(value.clone());
        }
        let value = self.old.remove(key)?;
        self.old_bytes -= (self.weight)(&value);
        self.put(key.clone(), value.clone());
        Some(value)
    }

    /// Keeps `value` for `key`; a value heavier than an eighth of the limit is not kept.
    pub(crate) fn put(&mut self, key: K, value: V) {
        let bytes = (self.weight)(&value);
        if bytes > self.limit / 8 {
            return;
        }
        if let Some(old) = self.young.insert(key, value) {
            self.young_bytes -= (self.weight)(&old);
        }
        self.young_bytes += bytes;
        if self.young_bytes > self.limit / 2 {
            self.turn_over();
        }
    }

    /// The young generation becomes the old one; the old one leaves.
    fn turn_over(&mut self) {
        self.old = std::mem::take(&mut self.young);
        self.old_bytes = std::mem::replace(&mut self.young_bytes, 0);
    }

    /// Sets the limit, dropping what no longer fits.
    pub(crate) fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
        if self.young_bytes + self.old_bytes > limit {
            self.old.clear();
            self.old_bytes = 0;
            if self.young_bytes > limit / 2 {
                self.turn_over();
                self.old.clear();
                self.old_bytes = 0;
            }
        }
    }

    /// The bytes held.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.young_bytes + self.old_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::Generations;

    #[test]
    fn what_is_used_stays_and_the_rest_leaves_within_the_limit() {
        let mut cache: Generations<u32, Vec<u8>> = Generations::new(1000, Vec::len);
        cache.put(0, vec![0; 100]);
        for key in 1..100 {
            cache.put(key, vec![0; 100]);
            // Key 0 is used once per turnover, so it stays.
            assert!(cache.get(&0).is_some(), "key 0 left at {key}");
            assert!(cache.bytes() <= 1000);
        }
        assert!(cache.get(&1).is_none());
        assert!(cache.get(&99).is_some());
        // Too heavy to keep.
        cache.put(500, vec![0; 200]);
        assert!(cache.get(&500).is_none());
        cache.set_limit(0);
        assert_eq!(cache.bytes(), 0);
    }
}

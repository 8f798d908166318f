//! A hash map whose entries are forgotten in two generations: the replay and lockstep
//! indexes' store (checks.rs `ReplayIndex`, moving_as_one.rs `LockstepIndex`).

use roadcloud_world::Millis;
use std::hash::Hash;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A hash map whose entries are forgotten in two generations: entries go into the newer
/// one, and once it has lasted `KEEP_MS` by [`Generations::expire`]'s clock the older one is
/// emptied whole and the newer becomes the older, so each entry stays at least `KEEP_MS`, at
/// most twice that. Entries removed one by one would leave a table of tombstones that
/// rehashes itself whole every few seconds (checks.rs `ReplayIndex`); emptied tables keep
/// their room, and a new generation is given room for as many entries as the last one had,
/// so a steady zone's tables never grow while full (a table grows by rehashing every entry
/// at once: 10 to 15 ms for a generation of the replay index at 65,000 reports a second,
/// on this project's 2-core machine).
#[derive(Debug)]
pub struct Generations<K, V, const KEEP_MS: Millis> {
    newer: HashMap<K, V>,
    older: HashMap<K, V>,
    /// When the newer generation started; `None` before the first [`Generations::expire`].
    started: Option<Millis>,
}

impl<K, V, const KEEP_MS: Millis> Default for Generations<K, V, KEEP_MS> {
    fn default() -> Self {
        Generations {
            newer: HashMap::default(),
            older: HashMap::default(),
            started: None,
        }
    }
}

impl<K: Hash + Eq, V: Default, const KEEP_MS: Millis> Generations<K, V, KEEP_MS> {
    /// The newer generation's entry for `key`, made empty if missing.
    pub fn entry(&mut self, key: K) -> &mut V {
        self.newer.entry(key).or_default()
    }

    /// The entries for `key`: the newer generation's, then the older's.
    pub fn get(&self, key: &K) -> impl Iterator<Item = &V> + use<'_, K, V, KEEP_MS> {
        [self.newer.get(key), self.older.get(key)]
            .into_iter()
            .flatten()
    }

    /// Every entry, of both generations.
    #[cfg(test)]
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.newer.values().chain(self.older.values())
    }

    /// Lets time pass to `now` (type docs).
    pub fn expire(&mut self, now: Millis) {
        let started = *self.started.get_or_insert(now);
        if now - started >= KEEP_MS {
            self.older.clear();
            std::mem::swap(&mut self.newer, &mut self.older);
            // Room now, while the table is empty, costs an allocation; growing it full
            // mid-generation rehashes every entry it holds.
            let ended = self.older.len();
            self.newer.reserve(ended + ended / 4);
            self.started = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_stay_one_generation_at_least_and_two_at_most() {
        let mut g = Generations::<u64, u64, 1_000>::default();
        g.expire(0);
        *g.entry(1) = 10;
        g.expire(999);
        assert_eq!(
            g.get(&1).copied().collect::<Vec<_>>(),
            [10],
            "within KEEP_MS"
        );
        g.expire(1_000);
        *g.entry(2) = 20;
        assert_eq!(g.get(&1).copied().collect::<Vec<_>>(), [10], "in the older");
        g.expire(2_000);
        assert_eq!(g.get(&1).count(), 0, "forgotten after two generations");
        assert_eq!(g.get(&2).copied().collect::<Vec<_>>(), [20]);
    }

    #[test]
    fn a_new_generation_has_room_for_the_last_ones_entries() {
        let mut g = Generations::<u64, u64, 1_000>::default();
        g.expire(0);
        for k in 0..16_000 {
            *g.entry(k) = k;
        }
        g.expire(1_000);
        assert!(g.newer.capacity() >= 16_000, "{}", g.newer.capacity());
    }
}

//! Tiles: the zone cut into fixed squares of the local frame.
//!
//! A tile is the unit of work: the applications evaluate one tile at a time, and a tile has
//! one writer (the shard that owns it, see `roadcloud-pipeline`'s `shards`; a cluster will
//! spread shards over nodes). A participant near a tile's border is mirrored, read-only,
//! into the neighbour's view ([`TileGrid::tiles_near`]), so an application sees across the
//! border.

use crate::geo::Point;

/// A tile: its column (east) and row (north) in the grid; tile (0, 0) has the zone origin at
/// its south-west corner.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct TileId {
    /// Column, counted east from the origin.
    pub east: i32,
    /// Row, counted north from the origin.
    pub north: i32,
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.east, self.north)
    }
}

/// The grid of tiles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileGrid {
    size_m: f64,
}

impl Default for TileGrid {
    fn default() -> Self {
        TileGrid::new(300.0)
    }
}

impl TileGrid {
    /// Square tiles of `size_m` metres (at least 1 m).
    pub fn new(size_m: f64) -> Self {
        TileGrid {
            size_m: if size_m.is_finite() {
                size_m.max(1.0)
            } else {
                300.0
            },
        }
    }

    /// The side of a tile, metres.
    pub fn size_m(&self) -> f64 {
        self.size_m
    }

    /// The tile that holds `p`.
    pub fn tile_of(&self, p: Point) -> TileId {
        TileId {
            east: cell(p.east_m, self.size_m),
            north: cell(p.north_m, self.size_m),
        }
    }

    /// The south-west and north-east corners of `t`.
    pub fn bounds(&self, t: TileId) -> (Point, Point) {
        let sw = Point {
            east_m: f64::from(t.east) * self.size_m,
            north_m: f64::from(t.north) * self.size_m,
        };
        let ne = Point {
            east_m: sw.east_m + self.size_m,
            north_m: sw.north_m + self.size_m,
        };
        (sw, ne)
    }

    /// Every tile that comes within `radius_m` of `p` (its own tile first), so a search
    /// around `p` or a mirror of a participant at `p` reaches across borders.
    pub fn tiles_near(&self, p: Point, radius_m: f64) -> impl Iterator<Item = TileId> + use<> {
        let own = self.tile_of(p);
        let r = radius_m.max(0.0);
        let lo = self.tile_of(Point {
            east_m: p.east_m - r,
            north_m: p.north_m - r,
        });
        let hi = self.tile_of(Point {
            east_m: p.east_m + r,
            north_m: p.north_m + r,
        });
        std::iter::once(own).chain(
            (lo.north..=hi.north)
                .flat_map(move |north| (lo.east..=hi.east).map(move |east| TileId { east, north }))
                .filter(move |t| *t != own),
        )
    }

    /// Whether `p` lies within `margin_m` of tile `t` (inside it, or outside by at most the
    /// margin): the test for mirroring a participant into a neighbour.
    pub fn within(&self, t: TileId, p: Point, margin_m: f64) -> bool {
        let (sw, ne) = self.bounds(t);
        p.east_m >= sw.east_m - margin_m
            && p.east_m < ne.east_m + margin_m
            && p.north_m >= sw.north_m - margin_m
            && p.north_m < ne.north_m + margin_m
    }
}

fn cell(x: f64, size: f64) -> i32 {
    // Positions come from admitted messages, so they are finite and within a few thousand
    // kilometres; the cast saturates for anything else.
    (x / size).floor() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(east_m: f64, north_m: f64) -> Point {
        Point { east_m, north_m }
    }

    #[test]
    fn tiles_hold_their_points_on_both_sides_of_the_origin() {
        let g = TileGrid::new(100.0);
        assert_eq!(g.tile_of(p(0.0, 0.0)), TileId { east: 0, north: 0 });
        assert_eq!(g.tile_of(p(99.9, 0.1)), TileId { east: 0, north: 0 });
        assert_eq!(g.tile_of(p(-0.1, 100.0)), TileId { east: -1, north: 1 });
        let (sw, ne) = g.bounds(TileId { east: -1, north: 1 });
        assert_eq!((sw, ne), (p(-100.0, 100.0), p(0.0, 200.0)));
    }

    #[test]
    fn near_a_corner_three_neighbours_are_reached() {
        let g = TileGrid::new(100.0);
        let near: Vec<_> = g.tiles_near(p(98.0, 97.0), 5.0).collect();
        assert_eq!(near.len(), 4);
        assert_eq!(near[0], TileId { east: 0, north: 0 });
        assert!(near.contains(&TileId { east: 1, north: 1 }));
        // In the middle of a tile, only itself.
        assert_eq!(g.tiles_near(p(50.0, 50.0), 5.0).count(), 1);
    }

    #[test]
    fn mirroring_reaches_only_the_margin() {
        let g = TileGrid::new(100.0);
        let east = TileId { east: 1, north: 0 };
        assert!(g.within(east, p(95.0, 50.0), 10.0));
        assert!(!g.within(east, p(85.0, 50.0), 10.0));
    }
}

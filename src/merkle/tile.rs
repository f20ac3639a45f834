//! The tree as C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): fixed
//! 256-hash slices of the tree that monitors and witnesses fetch as static
//! files, and the `tile/<L>/<N>[.p/<W>]` paths that name them.
//!
//! A tile at tile level `L`, index `N`, is 256 consecutive complete nodes
//! of tree level `8 * L`, starting at node index `256 * N`: exactly the
//! nodes the service already stores, so a tile is one range read. Only
//! the path grammar and the mapping to [`NodeAddr`]s live here; reading
//! and serving is the HTTP layer's.

use super::{Hash, NodeAddr};

/// Tree levels per tile level (the spec's fixed tile height).
pub const TILE_HEIGHT: u8 = 8;
/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Highest tile level the grammar allows.
pub const MAX_TILE_LEVEL: u8 = 63;

/// What a tile holds: Merkle hashes of one tile level, or log entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    /// `tile/<L>/...`: hashes at tree level `8 * L`.
    Hashes {
        /// The tile level `L` (0 = leaf hashes).
        level: u8,
    },
    /// `tile/entries/...`: the entries themselves (an entry bundle).
    Entries,
}

/// One tile, full (`width == 256`) or partial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    /// Hashes or entries.
    pub kind: TileKind,
    /// `N`, the tile's index within its level.
    pub index: u64,
    /// How many hashes or entries it holds: 1 to 256.
    pub width: u16,
}

/// A tile path that does not follow the tlog-tiles grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a tlog-tiles path: {0}")]
pub struct TilePathError(pub &'static str);

impl Tile {
    /// Whether the tile holds all 256 hashes (and so never changes).
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }

    /// Parses the path after `tile/`: `<L>/<N>[.p/<W>]` or
    /// `entries/<N>[.p/<W>]`. Strict, so each tile has one path (a second
    /// spelling would be a second cache entry for the same bytes).
    pub fn parse(path: &str) -> Result<Self, TilePathError> {
        let (first, rest) = path
            .split_once('/')
            .ok_or(TilePathError("expected <L>/<N> or entries/<N>"))?;
        let kind = if first == "entries" {
            TileKind::Entries
        } else {
            let level = parse_decimal(first)
                .and_then(|l| u8::try_from(l).ok())
                .filter(|l| *l <= MAX_TILE_LEVEL)
                .ok_or(TilePathError(
                    "the level must be a decimal 0 to 63 without leading zeros",
                ))?;
            TileKind::Hashes { level }
        };
        let (index_path, width) = match rest.split_once(".p/") {
            Some((index_path, width)) => {
                let width = parse_decimal(width)
                    .and_then(|w| u16::try_from(w).ok())
                    .filter(|w| (1..TILE_WIDTH).contains(&u64::from(*w)))
                    .ok_or(TilePathError(
                        "a partial width must be a decimal 1 to 255 without leading zeros",
                    ))?;
                (index_path, width)
            }
            None => (rest, TILE_WIDTH as u16),
        };
        let index = parse_index(index_path)?;
        Ok(Self { kind, index, width })
    }

    /// The path after `tile/` (inverse of [`Tile::parse`]).
    pub fn path(&self) -> String {
        let mut out = match self.kind {
            TileKind::Hashes { level } => format!("{level}/"),
            TileKind::Entries => "entries/".to_owned(),
        };
        out.push_str(&encode_index(self.index));
        if !self.is_full() {
            out.push_str(&format!(".p/{}", self.width));
        }
        out
    }

    /// The tree level of this tile's hashes; `None` for entry bundles and
    /// for tile levels too high for a 64-level tree.
    pub fn tree_level(&self) -> Option<u8> {
        match self.kind {
            TileKind::Hashes { level } => level.checked_mul(TILE_HEIGHT).filter(|l| *l < 64),
            TileKind::Entries => Some(0),
        }
    }

    /// The first node (or, for entries, leaf) of the tile and how many
    /// follow it, or `None` if the tile cannot exist in a `u64` tree.
    pub fn nodes(&self) -> Option<(NodeAddr, u64)> {
        let level = self.tree_level()?;
        let first = self.index.checked_mul(TILE_WIDTH)?;
        let addr = NodeAddr::new(level, first);
        let last = NodeAddr::new(level, first.checked_add(u64::from(self.width) - 1)?);
        last.leaf_range()?;
        Some((addr, u64::from(self.width)))
    }

    /// Whether every hash (or entry) of the tile exists in a tree of `size`.
    pub fn exists_in(&self, size: u64) -> bool {
        self.nodes().is_some_and(|(first, count)| {
            NodeAddr::new(first.level, first.index + count - 1).exists_in(size)
        })
    }

    /// Every tile (full, and the partial ones) a tree of `size` leaves is
    /// made of, lowest level first: what a client fetches to rebuild it.
    pub fn all_for_size(size: u64) -> Vec<Tile> {
        let mut out = Vec::new();
        for level in 0..=MAX_TILE_LEVEL {
            let Some(shift) = u32::from(level).checked_mul(u32::from(TILE_HEIGHT)) else {
                break;
            };
            let Some(hashes) = size.checked_shr(shift).filter(|h| *h > 0) else {
                break;
            };
            let full = hashes / TILE_WIDTH;
            for index in 0..full {
                out.push(Tile {
                    kind: TileKind::Hashes { level },
                    index,
                    width: TILE_WIDTH as u16,
                });
            }
            let partial = hashes % TILE_WIDTH;
            if partial > 0 {
                out.push(Tile {
                    kind: TileKind::Hashes { level },
                    index: full,
                    width: partial as u16,
                });
            }
        }
        out
    }
}

/// The hashes of a tile's body (concatenated 32-byte hashes), or `None`
/// if its length is not a multiple of 32.
pub fn split_hashes(body: &[u8]) -> Option<Vec<Hash>> {
    if !body.len().is_multiple_of(32) {
        return None;
    }
    body.chunks_exact(32)
        .map(|c| Hash::try_from(c).ok())
        .collect()
}

/// An entry bundle: each entry as a big-endian `u16` length and its bytes.
/// `None` if an entry is longer than 65535 bytes (the format cannot say it).
pub fn entry_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for entry in entries {
        let len = u16::try_from(entry.len()).ok()?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Some(out)
}

/// `N` as 3-digit path elements, all but the last prefixed with `x`:
/// 1234067 is `x001/x234/067`.
fn encode_index(mut index: u64) -> String {
    let mut groups = vec![index % 1000];
    index /= 1000;
    while index > 0 {
        groups.push(index % 1000);
        index /= 1000;
    }
    let last = groups.len() - 1;
    groups
        .iter()
        .rev()
        .enumerate()
        .map(|(i, g)| {
            if i == last {
                format!("{g:03}")
            } else {
                format!("x{g:03}")
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn parse_index(path: &str) -> Result<u64, TilePathError> {
    const BAD: TilePathError = TilePathError(
        "the index must be 3-digit elements, all but the last starting with x (x001/x234/067)",
    );
    let elements: Vec<&str> = path.split('/').collect();
    let Some((last, leading)) = elements.split_last() else {
        return Err(BAD);
    };
    let mut index: u64 = 0;
    for (i, element) in leading.iter().enumerate() {
        let digits = element.strip_prefix('x').ok_or(BAD)?;
        let group = three_digits(digits).ok_or(BAD)?;
        if i == 0 && group == 0 {
            return Err(TilePathError("the index has a leading x000 element"));
        }
        index = index
            .checked_mul(1000)
            .and_then(|v| v.checked_add(group))
            .ok_or(TilePathError("the index does not fit in 64 bits"))?;
    }
    let group = three_digits(last).ok_or(BAD)?;
    index
        .checked_mul(1000)
        .and_then(|v| v.checked_add(group))
        .ok_or(TilePathError("the index does not fit in 64 bits"))
}

fn three_digits(s: &str) -> Option<u64> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// A decimal without sign or leading zeros ("0" itself is fine).
fn parse_decimal(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(level: u8, index: u64, width: u16) -> Tile {
        Tile {
            kind: TileKind::Hashes { level },
            index,
            width,
        }
    }

    #[test]
    fn the_specs_index_example_round_trips() {
        // "index 1234067 will be encoded as x001/x234/067"
        let tile = Tile::parse("0/x001/x234/067").unwrap();
        assert_eq!(tile, hashes(0, 1_234_067, 256));
        assert_eq!(tile.path(), "0/x001/x234/067");
        assert_eq!(hashes(0, 0, 256).path(), "0/000");
        assert_eq!(hashes(2, 1000, 256).path(), "2/x001/000");
        assert_eq!(
            hashes(0, u64::MAX, 256).path(),
            "0/x018/x446/x744/x073/x709/x551/615"
        );
        assert_eq!(
            Tile::parse("0/x018/x446/x744/x073/x709/x551/615")
                .unwrap()
                .index,
            u64::MAX
        );
    }

    #[test]
    fn partial_tiles_and_entry_bundles() {
        let tile = Tile::parse("1/x001/x234/067.p/17").unwrap();
        assert_eq!(tile, hashes(1, 1_234_067, 17));
        assert_eq!(tile.path(), "1/x001/x234/067.p/17");
        let bundle = Tile::parse("entries/012.p/255").unwrap();
        assert_eq!(bundle.kind, TileKind::Entries);
        assert_eq!((bundle.index, bundle.width), (12, 255));
        assert_eq!(bundle.path(), "entries/012.p/255");
    }

    #[test]
    fn every_other_spelling_is_refused() {
        for bad in [
            "",
            "0",
            "0/",
            "00/000",
            "64/000",
            "-1/000",
            "0/1",
            "0/0001",
            "0/x000/001",
            "0/001/002",
            "0/x1/002",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/017",
            "0/000.p/",
            "0/000.p/1/",
            "0/000/",
            "entry/000",
            "0/x018/x446/x744/x073/x709/x551/616",
        ] {
            assert!(Tile::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn the_specs_tree_of_70000_leaves() {
        // "273 full level 0 tiles, one partial level 0 tile of width 112,
        // one full level 1 tile, one partial level 1 tile of width 17, and
        // one partial level 2 tile of width 1"
        let tiles = Tile::all_for_size(70_000);
        let full0 = tiles
            .iter()
            .filter(|t| t.kind == TileKind::Hashes { level: 0 } && t.is_full());
        assert_eq!(full0.count(), 273);
        let partial: Vec<_> = tiles.iter().filter(|t| !t.is_full()).collect();
        assert_eq!(
            partial,
            [&hashes(0, 273, 112), &hashes(1, 1, 17), &hashes(2, 0, 1)]
        );
        assert!(tiles.contains(&hashes(1, 0, 256)));
        assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1);
        // "a tree of size 256 will be represented by a full level 0 tile and
        // a partial level 1 tile of width 1"
        assert_eq!(
            Tile::all_for_size(256),
            [hashes(0, 0, 256), hashes(1, 0, 1)]
        );
        assert!(Tile::all_for_size(0).is_empty());
    }

    #[test]
    fn a_tile_maps_to_one_run_of_stored_nodes() {
        let tile = hashes(1, 2, 17);
        assert_eq!(tile.nodes(), Some((NodeAddr::new(8, 512), 17)));
        // Node (8, 528) covers leaves up to 529 * 256.
        assert!(tile.exists_in(529 * 256));
        assert!(!tile.exists_in(529 * 256 - 1));
        assert_eq!(hashes(8, 0, 1).nodes(), None);
        assert_eq!(hashes(7, 0, 1).nodes(), Some((NodeAddr::new(56, 0), 1)));
    }

    #[test]
    fn entry_bundles_are_length_prefixed() {
        let bundle = entry_bundle([b"ab".as_slice(), b"".as_slice()]).unwrap();
        assert_eq!(bundle, [0, 2, b'a', b'b', 0, 0]);
        assert_eq!(entry_bundle([vec![0u8; 65536].as_slice()]), None);
    }
}

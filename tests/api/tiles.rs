//! The log as C2SP tlog-tiles: anyone rebuilds the signed tree from the
//! public hash tiles; entry bundles are for authorities and auditors.

use ewaybill::merkle::tile::{Tile, TileKind, split_hashes};
use ewaybill::merkle::{self, MemoryTree, NodeAddr};
use ewaybill::note::Checkpoint;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestApp, assert_problem};
use crate::log::vkey;

crate::on_both_backends!(
    hash_tiles_rebuild_the_signed_checkpoint_without_a_token,
    entry_bundles_are_for_authorities_and_auditors,
);

async fn anonymous(app: &TestApp, path: &str) -> reqwest::Response {
    app.http.get(app.url(path)).send().await.unwrap()
}

async fn hash_tiles_rebuild_the_signed_checkpoint_without_a_token(app: TestApp) {
    let mut s = app.shipment().await;
    let carrier = s.carrier.clone();
    app.act(&mut s, &carrier, "carrier.accept", json!({})).await;
    let key = vkey(&app, &s.consignor).await;
    let res = anonymous(&app, "/checkpoint").await;
    assert_eq!(res.status(), StatusCode::OK);
    let checkpoint = Checkpoint::open(&res.text().await.unwrap(), &key).unwrap();
    assert!(checkpoint.size > 0);

    let tiles = Tile::all_for_size(checkpoint.size);
    let mut leaves = Vec::new();
    let mut upper = Vec::new();
    for tile in &tiles {
        let res = anonymous(&app, &format!("/tile/{}", tile.path())).await;
        assert_eq!(res.status(), StatusCode::OK, "{}", tile.path());
        assert_eq!(res.headers()["content-type"], "application/octet-stream");
        let cache = res.headers()["cache-control"].to_str().unwrap().to_owned();
        assert_eq!(cache.contains("immutable"), tile.is_full(), "{cache}");
        let hashes = split_hashes(&res.bytes().await.unwrap()).unwrap();
        assert_eq!(hashes.len(), usize::from(tile.width));
        match tile.kind {
            TileKind::Hashes { level: 0 } => leaves.extend(hashes),
            _ => upper.push((*tile, hashes)),
        }
    }
    let tree = MemoryTree::from_leaf_hashes(leaves);
    assert_eq!(tree.size(), checkpoint.size);
    assert_eq!(tree.root(), checkpoint.root_hash);
    for (tile, hashes) in upper {
        let (first, _) = tile.nodes().unwrap();
        for (i, hash) in hashes.iter().enumerate() {
            let addr = NodeAddr::new(first.level, first.index + i as u64);
            assert_eq!(tree.node(addr), Some(*hash));
        }
    }

    // A tile the signed tree does not reach, and a path that is no tile.
    let beyond = Tile {
        kind: TileKind::Hashes { level: 0 },
        index: 0,
        width: u16::try_from(checkpoint.size + 1).unwrap(),
    };
    let res = anonymous(&app, &format!("/tile/{}", beyond.path())).await;
    let problem = (res.status(), res.json().await.unwrap());
    assert_problem(&problem, StatusCode::NOT_FOUND, "tile_not_found", &[]);
    for bad in [
        "/tile/0/1",
        "/tile/00/000",
        "/tile/0/000.p/0",
        "/tile/0/x000/001",
    ] {
        let res = anonymous(&app, bad).await;
        let problem = (res.status(), res.json().await.unwrap());
        assert_problem(&problem, StatusCode::BAD_REQUEST, "invalid_path", &[]);
    }
}

async fn entry_bundles_are_for_authorities_and_auditors(app: TestApp) {
    let s = app.shipment().await;
    let auditor = app.register_party("auditor", "Log auditor").await;
    let key = vkey(&app, &auditor).await;
    let note = anonymous(&app, "/checkpoint").await.text().await.unwrap();
    let size = Checkpoint::open(&note, &key).unwrap().size;
    let width = u16::try_from(size).unwrap();
    let bundle = Tile {
        kind: TileKind::Entries,
        index: 0,
        width,
    };
    let path = format!("/tile/{}", bundle.path());

    let res = anonymous(&app, &path).await;
    let problem = (res.status(), res.json().await.unwrap());
    assert_problem(&problem, StatusCode::UNAUTHORIZED, "missing_token", &[]);
    let res = app
        .http
        .get(app.url(&path))
        .bearer_auth(&s.consignor.token)
        .send()
        .await
        .unwrap();
    let problem = (res.status(), res.json().await.unwrap());
    assert_problem(&problem, StatusCode::FORBIDDEN, "forbidden", &[]);

    let res = app
        .http
        .get(app.url(&path))
        .bearer_auth(&auditor.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.bytes().await.unwrap();
    let level0 = Tile {
        kind: TileKind::Hashes { level: 0 },
        ..bundle
    };
    let hashes = split_hashes(
        &anonymous(&app, &format!("/tile/{}", level0.path()))
            .await
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    // Each entry (a big-endian u16 length, then the leaf) hashes to its
    // leaf hash in the level-0 tile.
    let mut rest = &body[..];
    for hash in &hashes {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        assert_eq!(merkle::leaf_hash(&rest[2..2 + len]), *hash);
        rest = &rest[2 + len..];
    }
    assert!(rest.is_empty());
    app.assert_audited(|r| r["action"] == "log.entry_bundle")
        .await;
}

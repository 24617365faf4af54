//! The lane shop catalogue through real HTTP on loopback: staff edit it on the board API, lane
//! screens read it (and its pictures) on the public listener behind the hook token.

use crate::support;

use base64::Engine as _;
use serde_json::{Value, json};
use support::*;

fn catalogue() -> Value {
    json!([
        {"id": "time", "type": "time", "display_name": "Lane time", "price": 0.5, "max_qty": 120, "min_qty": 30, "increment_by": 30},
        {"id": "T-1", "type": "targets", "display_name": "Silhouette", "price": 1.25, "max_qty": 10,
         "picture_url": "https://cdn.example.com/t1.webp"},
        {"id": "T-2", "type": "targets", "display_name": "Bullseye", "price": 1.0, "max_qty": 10},
        {"id": "A-1", "type": "ammo", "display_name": "9mm, box of 50", "price": 18.99, "max_qty": 4},
    ])
}

fn products_url(r: &Running, kind: &str) -> String {
    r.public(&format!("/hooks/action-target/{TOKEN}/products?type={kind}"))
}

async fn put(r: &Running, body: &Value) -> reqwest::Response {
    r.http.put(r.board("/api/products")).json(body).send().await.unwrap()
}

/// A JPEG header that imagesize reads as `width`×`height`, padded to `len` bytes: only headers
/// are read, so no real image is needed.
fn jpeg(width: u16, height: u16, len: usize) -> Vec<u8> {
    let [h1, h0] = height.to_be_bytes();
    let [w1, w0] = width.to_be_bytes();
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, h1, h0, w1, w0, 0x03];
    b.extend_from_slice(&[0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    b.resize(len - 2, 0);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

async fn upload(r: &Running, id: &str, bytes: Vec<u8>) -> reqwest::Response {
    r.http
        .put(r.board(&format!("/api/products/{id}/picture")))
        // The board takes writes as JSON only, so the bytes travel as base64.
        .json(&json!({"content_type": "image/jpeg", "data_base64": base64::engine::general_purpose::STANDARD.encode(&bytes)}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_install_sells_something_of_every_type() {
    let r = start().await;
    let all = r.get_json(&r.board("/api/products")).await;
    let all = all.as_array().unwrap();
    assert_eq!(all[0]["id"], "time");
    for kind in ["time", "targets", "ammo", "rentals"] {
        assert!(all.iter().any(|p| p["type"] == kind), "the default catalogue has {kind}");
        let lane = r.get_json(&products_url(&r, kind)).await;
        assert!(!lane.as_array().unwrap().is_empty(), "the lane shop shows {kind} out of the box");
    }
}

#[tokio::test]
async fn a_saved_catalogue_is_what_lane_screens_get() {
    let r = start().await;
    let resp = put(&r, &catalogue()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), catalogue(), "the PUT answers the new list");
    assert_eq!(r.get_json(&r.board("/api/products")).await, catalogue(), "and GET reads back exactly it");

    let time = r.http.get(products_url(&r, "time")).header("session-id", "sess-1").send().await.unwrap();
    assert_eq!(time.status(), 200);
    assert_eq!(
        time.json::<Value>().await.unwrap(),
        json!([{"id": "time", "max_qty": 120, "display_name": "Lane time", "price": 0.5, "min_qty": 30, "increment_by": 30}]),
        "time carries its steps; no picture means no picture_url key at all"
    );
    let targets = r.get_json(&products_url(&r, "targets")).await;
    assert_eq!(
        targets,
        json!([
            {"id": "T-1", "max_qty": 10, "display_name": "Silhouette", "price": 1.25, "picture_url": "https://cdn.example.com/t1.webp"},
            {"id": "T-2", "max_qty": 10, "display_name": "Bullseye", "price": 1.0},
        ]),
        "only targets, in catalogue order, without min_qty or increment_by"
    );
    assert_eq!(r.get_json(&products_url(&r, "rentals")).await, json!([]), "a type with no products is []");

    for bad in ["", "?type=food", "?kind=time"] {
        let url = r.public(&format!("/hooks/action-target/{TOKEN}/products{bad}"));
        let resp = r.http.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{bad:?}");
        assert!(resp.json::<Value>().await.unwrap()["error"].is_string(), "the vendor's {{error}} shape");
    }
}

#[tokio::test]
async fn a_catalogue_breaking_a_rule_is_refused_whole_naming_it() {
    let r = start().await;
    assert_eq!(put(&r, &catalogue()).await.status(), 200);
    let mut two_times = catalogue();
    two_times.as_array_mut().unwrap().push(catalogue()[0].clone());
    let mut nine_ammo = catalogue();
    for i in 0..9 {
        nine_ammo
            .as_array_mut()
            .unwrap()
            .push(json!({"id": format!("AM-{i}"), "type": "ammo", "display_name": "Box", "price": 9, "max_qty": 2}));
    }
    let mut step = catalogue();
    step[0]["max_qty"] = json!(100);
    step[0]["increment_by"] = json!(15);
    step[0]["min_qty"] = json!(15);
    let mut http_picture = catalogue();
    http_picture[2]["picture_url"] = json!("http://cdn.example.com/t2.jpg");
    let mut duplicate = catalogue();
    duplicate[2]["id"] = json!("T-1");
    let mut decimals = catalogue();
    decimals[3]["price"] = json!(18.999);
    let mut not_ours = catalogue();
    not_ours[3]["picture_url"] = json!(format!("https://range.example/hooks/action-target/{TOKEN}/pictures/A-1"));

    let cases = [
        (two_times, "time_count"),
        (nine_ammo, "too_many_of_type"),
        (step, "time_max_qty_multiple"),
        (http_picture, "picture_url_scheme"),
        (duplicate, "id_duplicate"),
        (decimals, "price_decimals"),
        (not_ours, "picture_not_uploaded"),
    ];
    for (body, rule) in cases {
        let resp = put(&r, &body).await;
        assert_eq!(resp.status(), 400, "{rule}");
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["code"], "bad_request");
        assert_eq!(err["rule"], rule, "the UI can point at the broken rule: {err}");
        assert!(!err["error"].as_str().unwrap().is_empty(), "and people can read it");
        assert_eq!(r.get_json(&r.board("/api/products")).await, catalogue(), "{rule}: nothing changed");
    }
    let unknown_type = json!([{"id": "time", "type": "snacks", "display_name": "x", "price": 1, "max_qty": 1}]);
    let resp = put(&r, &unknown_type).await;
    assert_eq!(resp.status(), 400, "a list that is not a catalogue at all is a plain bad request");
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "bad_request");
}

#[tokio::test]
async fn pictures_are_checked_hosted_and_served_to_lane_screens() {
    let r = start().await;
    for (bytes, rule) in [
        (jpeg(511, 511, 4000), "picture_too_small"),
        (jpeg(600, 512, 4000), "picture_not_square"),
        (jpeg(512, 512, 96 * 1024 + 1), "picture_too_large"),
    ] {
        let resp = upload(&r, "A-1", bytes).await;
        assert_eq!(resp.status(), 400, "{rule}");
        assert_eq!(resp.json::<Value>().await.unwrap()["rule"], rule);
    }
    let pic_url = r.public(&format!("/hooks/action-target/{TOKEN}/pictures/A-1"));
    assert_eq!(r.http.get(&pic_url).send().await.unwrap().status(), 404, "refused uploads are not kept");

    let bytes = jpeg(512, 512, 20_000);
    let resp = upload(&r, "A-1", bytes.clone()).await;
    assert_eq!(resp.status(), 200);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["path"], format!("/hooks/action-target/{TOKEN}/pictures/A-1"));
    assert_eq!((answer["width"].as_u64(), answer["content_type"].as_str()), (Some(512), Some("image/jpeg")));

    let served = r.http.get(&pic_url).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice(), "served exactly as uploaded");

    // Our own URL (here over plain http, as this listener is) is accepted once the picture exists.
    let mut with_picture = catalogue();
    with_picture[3]["picture_url"] = json!(pic_url);
    assert_eq!(put(&r, &with_picture).await.status(), 200);
    let ammo = r.get_json(&products_url(&r, "ammo")).await;
    assert_eq!(ammo[0]["picture_url"], json!(pic_url), "lane screens are pointed at the hosted picture");

    let wrong = r.http.get(r.public("/hooks/action-target/not-the-token/pictures/A-1")).send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    let wrong_products = r.http.get(r.public("/hooks/action-target/not-the-token/products?type=time")).send().await;
    let wrong_products = wrong_products.unwrap();
    assert_eq!(wrong_products.status(), 404);
    let unknown = r.http.get(r.public("/nothing-here")).send().await.unwrap();
    assert_eq!(
        wrong_products.text().await.unwrap(),
        unknown.text().await.unwrap(),
        "a wrong token looks exactly like an unknown path"
    );
    let status = r.get_json(&r.board("/api/status")).await;
    assert_eq!(status["refused_not_found"], 3, "wrong tokens are counted like the hook's");
}

//! One test per rule: each breaks exactly that rule in an otherwise valid catalogue and expects
//! its code, so a refusal always names the rule staff must fix.

use super::*;
use CatalogueRule::*;

fn time() -> Product {
    Product {
        id: "time".into(),
        kind: ProductType::Time,
        display_name: "Lane time".into(),
        price: 0.4,
        max_qty: 120,
        min_qty: Some(15),
        increment_by: Some(15),
        picture_url: None,
    }
}

fn item(id: &str, kind: ProductType) -> Product {
    Product {
        id: id.into(),
        kind,
        display_name: format!("Item {id}"),
        price: 1.5,
        max_qty: 4,
        min_qty: None,
        increment_by: None,
        picture_url: None,
    }
}

fn valid() -> Vec<Product> {
    vec![time(), item("T1", ProductType::Targets), item("A1", ProductType::Ammo), item("R1", ProductType::Rentals)]
}

/// The rule `change` breaks, after checking the untouched catalogue passes.
fn rule(change: impl FnOnce(&mut Vec<Product>)) -> CatalogueRule {
    let mut c = valid();
    check(&c).unwrap();
    change(&mut c);
    let e = check(&c).expect_err("the change must break a rule");
    assert!(!e.message.is_empty(), "the refusal says in words what is wrong");
    e.rule
}

#[test]
fn a_valid_catalogue_passes() {
    check(&valid()).unwrap();
}

#[test]
fn exactly_one_time_product() {
    assert_eq!(rule(|c| c.retain(|p| p.kind != ProductType::Time)), TimeCount);
    assert_eq!(rule(|c| c.push(time())), TimeCount, "two time products are refused before their ids clash");
    assert_eq!(rule(Vec::clear), TimeCount, "an empty catalogue has no time product");
}

#[test]
fn the_time_product_is_called_time_and_only_it() {
    assert_eq!(rule(|c| c[0].id = "TIME-60".into()), TimeId);
    assert_eq!(rule(|c| c[1].id = "time".into()), TimeId);
}

#[test]
fn time_needs_min_qty_and_increment_of_at_least_one() {
    assert_eq!(rule(|c| c[0].min_qty = None), TimeMinQty);
    assert_eq!(rule(|c| c[0].min_qty = Some(0)), TimeMinQty);
    assert_eq!(rule(|c| c[0].increment_by = None), TimeIncrement);
    assert_eq!(rule(|c| c[0].increment_by = Some(0)), TimeIncrement);
}

#[test]
fn time_max_and_min_are_whole_steps() {
    assert_eq!(rule(|c| c[0].max_qty = 100), TimeMaxQtyMultiple, "100 minutes is not a whole number of 15s");
    assert_eq!(rule(|c| c[0].min_qty = Some(10)), TimeMinQtyMultiple);
    assert_eq!(rule(|c| c[0].min_qty = Some(135)), TimeMinAboveMax);
}

#[test]
fn only_time_has_steps() {
    assert_eq!(rule(|c| c[1].min_qty = Some(1)), QtyStepOnlyForTime);
    assert_eq!(rule(|c| c[2].increment_by = Some(1)), QtyStepOnlyForTime);
}

#[test]
fn at_most_eight_of_each_other_type() {
    for kind in [ProductType::Targets, ProductType::Ammo, ProductType::Rentals] {
        let mut c = valid();
        c.retain(|p| p.kind != kind);
        c.extend((0..8).map(|i| item(&format!("X{i}"), kind)));
        check(&c).unwrap_or_else(|e| panic!("eight {kind} are allowed: {e}"));
        c.push(item("X8", kind));
        assert_eq!(check(&c).unwrap_err().rule, TooManyOfType, "nine {kind}");
    }
}

#[test]
fn ids_are_non_empty_plain_and_unique() {
    assert_eq!(rule(|c| c[1].id = String::new()), IdEmpty);
    assert_eq!(rule(|c| c[1].id = "a/b".into()), IdFormat, "ids go in URL paths");
    assert_eq!(rule(|c| c[1].id = "x".repeat(65)), IdFormat);
    assert_eq!(rule(|c| c[2].id = "T1".into()), IdDuplicate);
}

#[test]
fn display_names_are_non_empty_and_at_most_sixty_characters() {
    assert_eq!(rule(|c| c[1].display_name = "   ".into()), DisplayNameEmpty);
    assert_eq!(rule(|c| c[1].display_name = "é".repeat(61)), DisplayNameTooLong);
    let mut c = valid();
    c[1].display_name = "é".repeat(60);
    check(&c).expect("sixty characters fit, however many bytes they take");
}

#[test]
fn max_qty_is_at_least_one() {
    assert_eq!(rule(|c| c[1].max_qty = 0), MaxQtyTooSmall);
}

#[test]
fn prices_are_non_negative_with_at_most_two_decimals() {
    assert_eq!(rule(|c| c[1].price = -1.0), PriceNegative);
    assert_eq!(rule(|c| c[1].price = 1.005), PriceDecimals);
    assert_eq!(rule(|c| c[0].price = 0.001), PriceDecimals);
    assert_eq!(rule(|c| c[1].price = 1e7), PriceTooLarge);
    for ok in [0.0, 0.1, 19.99, 100.0] {
        let mut c = valid();
        c[1].price = ok;
        check(&c).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn picture_urls_are_https_or_ours() {
    assert_eq!(rule(|c| c[1].picture_url = Some("http://example.com/a.jpg".into())), PictureUrlScheme);
    assert_eq!(rule(|c| c[1].picture_url = Some("ftp://example.com/a.jpg".into())), PictureUrlScheme);
    assert_eq!(rule(|c| c[1].picture_url = Some("data:image/jpeg;base64,AAAA".into())), PictureUrlScheme);
    assert_eq!(rule(|c| c[1].picture_url = Some(format!("https://e.com/{}", "a".repeat(2048)))), PictureUrlTooLong);
    let mut c = valid();
    c[1].picture_url = Some("https://cdn.example.com/b27.webp".into());
    c[2].picture_url = Some(String::new());
    c[3].picture_url = Some("http://range.local:8787/hooks/action-target/TOK/pictures/R1".into());
    check(&c).expect("https (unchecked), empty, and our own URL over http are all accepted");
}

#[test]
fn own_picture_urls_must_name_our_token_and_an_uploaded_picture() {
    let mut c = valid();
    c[1].picture_url = Some("https://range.example/hooks/action-target/TOK/pictures/T1".into());
    let uploaded = vec!["T1".to_owned()];
    check_own_pictures(&c, "TOK", &uploaded).unwrap();
    assert_eq!(check_own_pictures(&c, "OTHER", &uploaded).unwrap_err().rule, PictureNotUploaded);
    assert_eq!(check_own_pictures(&c, "TOK", &[]).unwrap_err().rule, PictureNotUploaded);
    assert_eq!(own_picture("https://h/hooks/action-target/TOK/pictures/T1?x=1"), None, "nothing after the id");
    assert_eq!(own_picture("https://h/hooks/action-target/TOK/pictures/T1"), Some(("TOK", "T1")));
}

//! The TypeScript types the UI uses are generated from the Rust structs and committed in
//! `ui/src/lib/bindings/`, with the core's constants the UI computes with (`constants.ts`). This
//! fails when they are stale; `UPDATE_BINDINGS=1 cargo test -p rangedesk-core --test it bindings`
//! rewrites them.

use rangedesk_core::board::BoardView;
use rangedesk_core::desktop::DesktopStatus;
use rangedesk_core::domain::kinds;
use rangedesk_core::error::ApiError;
use rangedesk_core::help::Resolved;
use rangedesk_core::history::{DayReport, PeriodReport};
use rangedesk_core::logs::{DeliveryQuery, EventQuery, Page};
use rangedesk_core::notifications::FocusLane;
use rangedesk_core::products::{CatalogueRefusal, CatalogueRule, Picture, Product, ProductType};
use rangedesk_core::sessions::{ModifySession, StartSession};
use rangedesk_core::settings::{
    HookUrls, RESTART_KEYS, SECTIONS, SETTINGS_CHANGED, SettingsChanged, SettingsRefusal, SettingsSection,
    SettingsView, TestDeliveryResult,
};
use rangedesk_core::status::Status;
use rangedesk_core::store::deliveries::DeliveryRow;
use rangedesk_core::store::events::EventRow;
use rangedesk_core::vendors::action_target_api::{ApiBay, ApiGroup, ApiLane, ApiSession, NewSession};
use rangedesk_core::visits::VisitsView;
use rangedesk_core::{board, config, ingest, sessions, vendors};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::TS;

fn export(dir: &Path) {
    DeliveryRow::export_all_to(dir).unwrap();
    EventRow::export_all_to(dir).unwrap();
    Page::<DeliveryRow>::export_all_to(dir).unwrap();
    ApiError::export_all_to(dir).unwrap();
    DeliveryQuery::export_all_to(dir).unwrap();
    EventQuery::export_all_to(dir).unwrap();
    HookUrls::export_all_to(dir).unwrap();
    Status::export_all_to(dir).unwrap();
    BoardView::export_all_to(dir).unwrap();
    Resolved::export_all_to(dir).unwrap();
    ApiLane::export_all_to(dir).unwrap();
    ApiBay::export_all_to(dir).unwrap();
    ApiGroup::export_all_to(dir).unwrap();
    ApiSession::export_all_to(dir).unwrap();
    NewSession::export_all_to(dir).unwrap();
    Product::export_all_to(dir).unwrap();
    ProductType::export_all_to(dir).unwrap();
    CatalogueRule::export_all_to(dir).unwrap();
    CatalogueRefusal::export_all_to(dir).unwrap();
    Picture::export_all_to(dir).unwrap();
    SettingsView::export_all_to(dir).unwrap();
    SettingsChanged::export_all_to(dir).unwrap();
    SettingsRefusal::export_all_to(dir).unwrap();
    TestDeliveryResult::export_all_to(dir).unwrap();
    StartSession::export_all_to(dir).unwrap();
    ModifySession::export_all_to(dir).unwrap();
    VisitsView::export_all_to(dir).unwrap();
    DesktopStatus::export_all_to(dir).unwrap();
    FocusLane::export_all_to(dir).unwrap();
    SettingsSection::export_all_to(dir).unwrap();
    DayReport::export_all_to(dir).unwrap();
    PeriodReport::export_all_to(dir).unwrap();
    UiConstants::export_all_to(dir).unwrap();
    std::fs::write(dir.join("constants.ts"), constants_ts()).unwrap();
}

/// What the UI computes with, read from the core's own constants so that the UI never types one
/// again: `UiConstants.ts` is the type, `constants.ts` holds the values as `UI_CONSTANTS`.
#[derive(serde::Serialize, TS)]
struct UiConstants {
    /// A running session is ending soon with this many minutes left or fewer; the board
    /// recomputes the state between pushes.
    ending_soon_minutes: f64,
    /// The ageing a board falls back to when it carries none (`board.ageing_*_seconds`).
    #[ts(type = "number")]
    default_ageing_amber_seconds: u64,
    #[ts(type = "number")]
    default_ageing_red_seconds: u64,
    /// The longest session the lane drawer may start, in minutes.
    #[ts(type = "number")]
    max_session_minutes: i64,
    /// The longest customer name a session may carry, in characters.
    #[ts(type = "number")]
    max_customer_name_chars: usize,
    /// Settings keys that take effect only after a restart (`SettingsChanged.applies_after_restart`).
    #[ts(type = "ReadonlyArray<string>")]
    restart_keys: Vec<&'static str>,
    /// The event types (`EventRow.type`) the core records itself and those each vendor documents.
    #[ts(inline)]
    event_kinds: EventKinds,
}

#[derive(serde::Serialize, TS)]
struct EventKinds {
    #[ts(type = "ReadonlyArray<string>")]
    desk: Vec<&'static str>,
    #[ts(type = "ReadonlyArray<string>")]
    action_target: Vec<&'static str>,
    #[ts(type = "ReadonlyArray<string>")]
    enviso: Vec<&'static str>,
    #[ts(type = "ReadonlyArray<string>")]
    samna: Vec<&'static str>,
}

fn constants() -> UiConstants {
    let ageing = config::Board::default();
    UiConstants {
        ending_soon_minutes: board::ENDING_SOON_MINUTES,
        default_ageing_amber_seconds: ageing.ageing_amber_seconds,
        default_ageing_red_seconds: ageing.ageing_red_seconds,
        max_session_minutes: sessions::MAX_SESSION_MINUTES,
        max_customer_name_chars: sessions::MAX_CUSTOMER_NAME_CHARS,
        restart_keys: RESTART_KEYS.to_vec(),
        event_kinds: EventKinds {
            desk: vec![
                kinds::RANGE_SETUP,
                kinds::SESSION_OBSERVED,
                kinds::SESSION_VANISHED,
                kinds::HELP_ACKNOWLEDGED,
                kinds::HELP_RESOLVED,
                kinds::purchase::HELD,
                kinds::purchase::APPROVED,
                kinds::purchase::DECLINED,
                kinds::purchase::MISSED,
                kinds::purchase::TAB_ITEM_ADDED,
                kinds::purchase::ITEM_DELIVERED,
                kinds::purchase::SESSION_EXTENDED,
                kinds::session::START,
                kinds::session::MODIFY,
                kinds::session::STOP,
                SETTINGS_CHANGED,
                ingest::TEST_EVENT_ACTION_TARGET,
            ],
            action_target: vendors::action_target::KNOWN_EVENTS.to_vec(),
            enviso: vendors::enviso::KNOWN_EVENTS.to_vec(),
            samna: vendors::samna::KNOWN_EVENTS.to_vec(),
        },
    }
}

/// The values as a TypeScript constant. `as const` keeps each string's literal type (the UI keys
/// its words by them); `satisfies` checks the values against the generated type.
fn constants_ts() -> String {
    let values = serde_json::to_string_pretty(&constants()).unwrap();
    format!(
        "// This file was generated by src-tauri/core/tests/bindings.rs from the core's constants. Do not edit this file manually.\n\
         import type {{ UiConstants }} from \"./UiConstants\";\n\n\
         export const UI_CONSTANTS = {values} as const satisfies UiConstants;\n"
    )
}

fn files(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ts") {
                out.insert(p.strip_prefix(dir).unwrap().to_owned(), std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn generated_typescript_is_fresh() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings");
    let fresh = tempfile::tempdir().unwrap();
    export(fresh.path());
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        export(&committed);
        return;
    }
    let (want, have) = (files(fresh.path()), files(&committed));
    assert!(!want.is_empty());
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        have.keys().collect::<Vec<_>>(),
        "ui/src/lib/bindings has other files than the Rust types produce; run UPDATE_BINDINGS=1 cargo test -p rangedesk-core --test it bindings"
    );
    for (name, text) in &want {
        assert_eq!(
            Some(text),
            have.get(name),
            "{} is stale; run UPDATE_BINDINGS=1 cargo test -p rangedesk-core --test it bindings",
            name.display()
        );
    }
}

/// The UI's type for a section must name exactly the sections a change may go to.
#[test]
fn the_section_type_names_every_settings_section() {
    let names = SECTIONS.map(|s| format!("\"{s}\"")).join(" | ");
    assert_eq!(SettingsSection::inline(), names, "SettingsSection and settings::SECTIONS list other sections");
}

/// Two Rust types with one TypeScript name would write one file, the second silently replacing
/// the first (`api::Status` once replaced `purchases::Status`). Every type deriving `TS` in the
/// core must have a name of its own (`#[ts(rename = "…")]` where the Rust names clash).
#[test]
fn every_exported_type_has_its_own_typescript_name() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut stack = vec![src];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if !(line.trim_start().starts_with("#[derive(") && line.contains("TS")) {
                    continue;
                }
                let mut rename = None;
                for next in &lines[i + 1..] {
                    let t = next.trim_start();
                    if let Some(r) = t.strip_prefix("#[ts(rename = \"") {
                        rename = r.split('"').next().map(str::to_owned);
                    }
                    if let Some(rest) = t.strip_prefix("pub struct ").or_else(|| t.strip_prefix("pub enum ")) {
                        let rust: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        names
                            .entry(rename.unwrap_or_else(|| rust.clone()))
                            .or_default()
                            .push(format!("{} {rust}", p.display()));
                        break;
                    }
                }
            }
        }
    }
    let clashes: Vec<_> = names.iter().filter(|(_, v)| v.len() > 1).collect();
    assert!(names.len() > 20, "the scan found the exported types");
    assert!(clashes.is_empty(), "TypeScript names used by more than one type: {clashes:?}");
}

//! The tray icon: open help calls and purchases waiting, in its tooltip, its title and its menu,
//! updated with the board. Linux trays send no click events, so everything is in the menu: Show
//! board, the two counts, Quit.

use rangedesk_core::Waiting;
use rangedesk_core::app::App;
use tauri::AppHandle;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;

const SHOW: &str = "show";
const QUIT: &str = "quit";

/// Adds the tray icon and keeps its counts current until the core's change feed closes.
pub fn start(app: &AppHandle, core: App) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, SHOW, "Show board", true, None::<&str>)?;
    let help = MenuItem::with_id(app, "help-count", "", false, None::<&str>)?;
    let purchases = MenuItem::with_id(app, "purchase-count", "", false, None::<&str>)?;
    let quit = MenuItem::with_id(app, QUIT, "Quit rangedesk", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[&show, &PredefinedMenuItem::separator(app)?, &help, &purchases, &PredefinedMenuItem::separator(app)?, &quit],
    )?;
    let mut builder = TrayIconBuilder::with_id("rangedesk")
        .tooltip("rangedesk")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id.as_ref() {
            SHOW => crate::show_window(app),
            QUIT => {
                tracing::info!("quit from the tray");
                app.exit(0);
            }
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone().to_owned());
    }
    let tray = builder.build(app)?;
    let update = move |w: Waiting| {
        let label = w.label();
        let results = [
            help.set_text(if w.help == 1 { "1 help call open".into() } else { format!("{} help calls open", w.help) }),
            purchases.set_text(if w.purchases == 1 {
                "1 purchase waiting".into()
            } else {
                format!("{} purchases waiting", w.purchases)
            }),
            tray.set_tooltip(Some(format!("rangedesk: {label}"))),
            // Shown beside the icon where the tray supports it (AppIndicator's label).
            tray.set_title(Some(format!("{}/{}", w.help, w.purchases))),
        ];
        for r in results {
            if let Err(e) = r {
                tracing::warn!(error = %e, "cannot update the tray");
            }
        }
    };
    let mut last = Waiting::of(&core.board(jiff::Timestamp::now()));
    update(last);
    crate::push::each_burst(core, move |board| {
        let now = Waiting::of(&board);
        if now != last {
            last = now;
            update(now);
        }
    });
    Ok(())
}

//! The window's WebKitGTK settings. Accelerated compositing is off unless asked for: measured under
//! Xvfb (Mesa's software GL, as on a desk PC without a GPU driver), it cost about 140 MB in the web
//! process — the board page took 175 MB above `about:blank` with it and 34 MB without, and the
//! whole app 504 MB against 299 MB after a simulated day (docs/PERFORMANCE.md, issue 14). The board
//! is flat tiles and text, which WebKit paints on the CPU without effort.
//!
//! `RANGEDESK_GPU_COMPOSITING=1` keeps WebKit's own choice (on a PC whose GPU makes compositing
//! cheap); a `WEBKIT_DISABLE_COMPOSITING_MODE` already set is WebKit's to read, and left alone.

/// Keeps WebKit's default compositing when set to `1`.
pub const GPU_VAR: &str = "RANGEDESK_GPU_COMPOSITING";

/// Whether to turn accelerated compositing off, given the two variables' values.
fn software_compositing(gpu: Option<&str>, webkit_own: bool) -> bool {
    gpu.map(str::trim) != Some("1") && !webkit_own
}

/// Applies the settings to the main window's webview.
pub fn configure(window: &tauri::WebviewWindow) {
    let gpu = std::env::var(GPU_VAR).ok();
    let webkit_own = std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_some();
    if !software_compositing(gpu.as_deref(), webkit_own) {
        tracing::info!("accelerated compositing left to WebKit");
        return;
    }
    #[cfg(target_os = "linux")]
    if let Err(e) = window.with_webview(|w| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt as _, WebViewExt as _};
        if let Some(settings) = w.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    }) {
        tracing::warn!(error = %e, "cannot turn accelerated compositing off; the window uses more memory");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

#[cfg(test)]
mod tests {
    use super::software_compositing;

    #[test]
    fn compositing_is_software_unless_asked_for_or_webkit_is_told_already() {
        assert!(software_compositing(None, false));
        assert!(software_compositing(Some("0"), false));
        assert!(software_compositing(Some("yes"), false), "only 1 asks for the GPU");
        assert!(!software_compositing(Some("1"), false));
        assert!(!software_compositing(Some(" 1 "), false));
        assert!(!software_compositing(None, true), "WebKit's own variable wins");
    }
}

//! Tauri's build step: checks tauri.conf.json, embeds the icons and compiles the app's
//! permissions and capabilities into the access-control list the window is held to.

fn main() {
    // Both live beside the app crate's sources rather than at the repo root next to
    // tauri.conf.json, so Tauri must be told where, and Cargo when to rerun.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/permissions");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().permissions_path_pattern("./src-tauri/permissions/**/*"));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build: {e:#}");
    }
}

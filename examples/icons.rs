//! Writes the application icon at the usual hicolor sizes, all from the one source image
//! `assets/icon.png`: `cargo run --example icons -- OUT` writes
//! `OUT/hicolor/<N>x<N>/apps/<app id>.png`. `scripts/package` runs it.

use std::path::PathBuf;

const SIZES: [u32; 7] = [16, 32, 48, 64, 128, 256, 512];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: cargo run --example icons -- OUT_FOLDER")?,
    );
    let source = image::load_from_memory(include_bytes!("../assets/icon.png"))?;
    for size in SIZES {
        let folder = out.join(format!("hicolor/{size}x{size}/apps"));
        std::fs::create_dir_all(&folder)?;
        let icon = source.resize_exact(size, size, image::imageops::FilterType::Lanczos3);
        icon.save(folder.join(format!("{}.png", backup_accounts::app::APP_ID)))?;
    }
    Ok(())
}

//! The pictures we host for lane screens. Action Target's rules (integrations.md §1): JPEG or
//! WebP, at most 96 KB, square, at least 512×512. The format comes from the bytes' magic, never
//! from the declared Content-Type alone (which must agree with it); the size from the image's own
//! header, read with `imagesize`, which looks only at headers and so cannot be made to decode a
//! huge image.

use super::rules::{CatalogueError, CatalogueRule};
use serde::Serialize;
use ts_rs::TS;

/// The vendor writes "96 KB"; we take the smaller reading, 96,000 bytes, so a picture we accept is
/// never refused by the lane screen for the difference between KB and KiB.
pub const MAX_PICTURE_BYTES: usize = 96_000;
pub const MIN_PICTURE_SIDE: usize = 512;

/// What `check_picture` learned from the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub content_type: &'static str,
    pub width: usize,
    pub height: usize,
}

/// An uploaded picture, as the upload answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Picture {
    pub id: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u32,
    /// Where lane screens fetch it on the public listener. Prefix it with the public origin of the
    /// products URL (the range's own name) to make the `picture_url` to put in the catalogue.
    pub path: String,
}

impl Picture {
    pub(super) fn new(hook_token: &str, id: &str, c: &Checked, bytes: usize) -> Picture {
        Picture {
            id: id.to_owned(),
            content_type: c.content_type.to_owned(),
            width: u32::try_from(c.width).unwrap_or(u32::MAX),
            height: u32::try_from(c.height).unwrap_or(u32::MAX),
            bytes: u32::try_from(bytes).unwrap_or(u32::MAX),
            path: format!("/hooks/action-target/{hook_token}/pictures/{id}"),
        }
    }
}

/// Checks an upload against the vendor's picture rules.
pub fn check_picture(declared: Option<&str>, bytes: &[u8]) -> Result<Checked, CatalogueError> {
    use CatalogueRule::*;
    let refuse = |rule, message: String| Err(CatalogueError::new(rule, message));
    if bytes.len() > MAX_PICTURE_BYTES {
        return refuse(PictureTooLarge, format!("the picture is {} bytes; at most {MAX_PICTURE_BYTES}", bytes.len()));
    }
    let content_type = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Jpeg) => "image/jpeg",
        Ok(imagesize::ImageType::Webp) => "image/webp",
        _ => return refuse(PictureFormat, "the picture is neither JPEG nor WebP".into()),
    };
    let declared = declared.and_then(|d| d.split(';').next()).map(|d| d.trim().to_ascii_lowercase());
    if declared.as_deref() != Some(content_type) {
        return refuse(
            PictureFormat,
            format!(
                "the picture is {content_type} but was sent as {}",
                declared.as_deref().unwrap_or("(no Content-Type)")
            ),
        );
    }
    let Ok(size) = imagesize::blob_size(bytes) else {
        return refuse(PictureFormat, format!("the {content_type} picture's size cannot be read"));
    };
    let (width, height) = (size.width, size.height);
    if width != height {
        return refuse(PictureNotSquare, format!("the picture is {width}×{height}; it must be square"));
    }
    if width < MIN_PICTURE_SIDE {
        return refuse(
            PictureTooSmall,
            format!("the picture is {width}×{height}; at least {MIN_PICTURE_SIDE}×{MIN_PICTURE_SIDE}"),
        );
    }
    Ok(Checked { content_type, width, height })
}

#[cfg(test)]
mod tests {
    use super::*;
    use CatalogueRule::*;

    /// A JPEG header that `imagesize` reads as `width`×`height`, padded to `len` bytes: what tests
    /// need, since only headers are read.
    fn test_jpeg(width: u16, height: u16, len: usize) -> Vec<u8> {
        let [h1, h0] = height.to_be_bytes();
        let [w1, w0] = width.to_be_bytes();
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, h1, h0, w1, w0, 0x03];
        b.extend_from_slice(&[0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
        b.resize(len.saturating_sub(2).max(b.len()), 0);
        b.extend_from_slice(&[0xFF, 0xD9]);
        b
    }

    /// A WebP (VP8X) header that `imagesize` reads as `width`×`height`.
    fn test_webp(width: u32, height: u32) -> Vec<u8> {
        let mut b = b"RIFF\0\0\0\0WEBPVP8X".to_vec();
        b.extend_from_slice(&10u32.to_le_bytes());
        b.extend_from_slice(&[0, 0, 0, 0]);
        b.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
        b.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
        let riff = u32::try_from(b.len() - 8).unwrap_or(0);
        b[4..8].copy_from_slice(&riff.to_le_bytes());
        b
    }

    fn rule(declared: &str, bytes: &[u8]) -> CatalogueRule {
        check_picture(Some(declared), bytes).unwrap_err().rule
    }

    #[test]
    fn square_jpeg_and_webp_of_at_least_512_pass() {
        let j = check_picture(Some("image/jpeg"), &test_jpeg(512, 512, 2000)).unwrap();
        assert_eq!((j.content_type, j.width, j.height), ("image/jpeg", 512, 512));
        let w = check_picture(Some("image/webp; charset=binary"), &test_webp(1024, 1024)).unwrap();
        assert_eq!((w.content_type, w.width), ("image/webp", 1024));
    }

    #[test]
    fn each_picture_rule_is_named() {
        assert_eq!(rule("image/jpeg", &test_jpeg(511, 511, 2000)), PictureTooSmall);
        assert_eq!(rule("image/jpeg", &test_jpeg(600, 512, 2000)), PictureNotSquare);
        assert_eq!(rule("image/jpeg", &test_jpeg(512, 512, MAX_PICTURE_BYTES + 1)), PictureTooLarge);
        assert_eq!(rule("image/png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x02\0\0\0\x02\0"), PictureFormat);
        assert_eq!(rule("image/webp", &test_jpeg(512, 512, 2000)), PictureFormat, "declared type must match");
        assert_eq!(check_picture(None, &test_jpeg(512, 512, 2000)).unwrap_err().rule, PictureFormat);
        assert_eq!(rule("image/jpeg", &[0xFF, 0xD8, 0xFF]), PictureFormat, "a truncated header");
        check_picture(Some("image/jpeg"), &test_jpeg(512, 512, MAX_PICTURE_BYTES)).expect("exactly the limit fits");
    }
}

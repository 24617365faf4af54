//! `product_pictures`: the product pictures we host for the lane screens, one per product id,
//! already checked (`crate::products::picture`). A new upload for an id replaces the old one.

use super::{Result, millis};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureRow {
    pub id: String,
    /// `image/jpeg` or `image/webp`, from the bytes themselves.
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub bytes: Vec<u8>,
}

pub fn put(txn: &Transaction<'_>, p: &PictureRow, at: jiff::Timestamp) -> Result<()> {
    txn.prepare_cached(
        "INSERT INTO product_pictures (id, content_type, width, height, bytes, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET content_type = ?2, width = ?3, height = ?4, bytes = ?5, uploaded_at = ?6",
    )?
    .execute(params![p.id, p.content_type, p.width, p.height, p.bytes, millis(at)])?;
    Ok(())
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<PictureRow>> {
    Ok(conn
        .prepare_cached("SELECT id, content_type, width, height, bytes FROM product_pictures WHERE id = ?1")?
        .query_row(params![id], |r| {
            Ok(PictureRow {
                id: r.get(0)?,
                content_type: r.get(1)?,
                width: r.get(2)?,
                height: r.get(3)?,
                bytes: r.get(4)?,
            })
        })
        .optional()?)
}

/// The ids that have a picture.
pub fn ids(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM product_pictures ORDER BY id")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

//! `products`: the lane shop catalogue, one row per product, in the order staff gave it
//! (`position`). The catalogue is only ever replaced whole, so a lane screen never sees half an
//! edit. Rows are stored as the domain checked them; `crate::products` owns the rules.

use super::Result;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// One stored product. `kind` is `time`, `targets`, `ammo` or `rentals`; prices are integer cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    pub id: String,
    pub kind: String,
    pub display_name: String,
    pub price_cents: i64,
    pub max_qty: i64,
    pub min_qty: Option<i64>,
    pub increment_by: Option<i64>,
    pub picture_url: Option<String>,
}

const COLUMNS: &str = "id, type, display_name, price_cents, max_qty, min_qty, increment_by, picture_url";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProductRow> {
    Ok(ProductRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        display_name: r.get(2)?,
        price_cents: r.get(3)?,
        max_qty: r.get(4)?,
        min_qty: r.get(5)?,
        increment_by: r.get(6)?,
        picture_url: r.get(7)?,
    })
}

/// The whole catalogue in catalogue order.
pub fn list(conn: &Connection) -> Result<Vec<ProductRow>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM products ORDER BY position"))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// One product by id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<ProductRow>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM products WHERE id = ?1"))?;
    Ok(stmt.query_row(params![id], row).optional()?)
}

/// The products of one type, in catalogue order.
pub fn list_of_type(conn: &Connection, kind: &str) -> Result<Vec<ProductRow>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM products WHERE type = ?1 ORDER BY position"))?;
    let rows = stmt.query_map(params![kind], row)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Replaces the whole catalogue with `rows`, in that order. Call it inside one writer job so the
/// delete and the inserts commit together or not at all.
pub fn replace_all(txn: &Transaction<'_>, rows: &[ProductRow]) -> Result<()> {
    txn.execute("DELETE FROM products", [])?;
    let mut insert = txn.prepare_cached(
        "INSERT INTO products (id, position, type, display_name, price_cents, max_qty, min_qty, increment_by, picture_url)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (position, p) in rows.iter().enumerate() {
        insert.execute(params![
            p.id,
            position as i64,
            p.kind,
            p.display_name,
            p.price_cents,
            p.max_qty,
            p.min_qty,
            p.increment_by,
            p.picture_url,
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::migrations().to_latest(&mut c).unwrap();
        c
    }

    fn product(id: &str, kind: &str) -> ProductRow {
        ProductRow {
            id: id.into(),
            kind: kind.into(),
            display_name: id.into(),
            price_cents: 100,
            max_qty: 1,
            min_qty: None,
            increment_by: None,
            picture_url: None,
        }
    }

    #[test]
    fn a_new_store_has_the_default_catalogue_with_time_first() {
        let c = store();
        let all = list(&c).unwrap();
        assert_eq!(all[0].id, "time", "time leads the seeded catalogue");
        assert!(all.len() > 4, "every type is seeded");
    }

    #[test]
    fn replace_keeps_the_given_order_and_drops_the_rest() {
        let mut c = store();
        let t = c.transaction().unwrap();
        replace_all(&t, &[product("B", "ammo"), product("A", "targets"), product("C", "ammo")]).unwrap();
        t.commit().unwrap();
        let ids: Vec<_> = list(&c).unwrap().into_iter().map(|p| p.id).collect();
        assert_eq!(ids, ["B", "A", "C"], "catalogue order is the order given, not id order");
        let ammo: Vec<_> = list_of_type(&c, "ammo").unwrap().into_iter().map(|p| p.id).collect();
        assert_eq!(ammo, ["B", "C"]);
    }

    #[test]
    fn a_failed_replace_leaves_the_old_catalogue() {
        let mut c = store();
        let before = list(&c).unwrap();
        let t = c.transaction().unwrap();
        // The same id twice breaks the primary key half-way through the inserts.
        assert!(replace_all(&t, &[product("X", "ammo"), product("X", "ammo")]).is_err());
        drop(t);
        assert_eq!(list(&c).unwrap(), before, "nothing of a failed replace is kept");
    }
}

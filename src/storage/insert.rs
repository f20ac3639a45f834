//! Multi-row INSERT for every repository: many rows in few statements,
//! each statement kept under SQLite's limit on bound variables.
//!
//! diesel cannot run a multi-row INSERT through the [`DbConnection`]
//! `MultiConnection` (batch inserts are backend-specific), so the insert is
//! built once and dispatched to the backend's own connection here, the one
//! place that does it. It is a generic function, not a macro: the bounds
//! that diesel needs (the rows insertable into the table, and the resulting
//! `InsertStatement` executable on both `PgConnection` and
//! `SqliteConnection`) are written once, on the blanket impl of [`Row`],
//! and every caller's row type (a derived `Insertable` struct or a tuple of
//! `eq` assignments) satisfies them.

use diesel::query_builder::InsertStatement;
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::{Insertable, PgConnection, QueryResult, RunQueryDsl, SqliteConnection, Table};

use super::{DbConnection, StorageResult};

/// Bound variables per statement. SQLite refuses more than 32766 (since
/// 3.32; the bundled library is newer) and PostgreSQL more than 65535;
/// this stays far below both while a full batch still takes only a few
/// statements.
const VARIABLES_PER_STATEMENT: usize = 3000;

/// Rows that diesel can insert into table `T` with one multi-row INSERT
/// on either backend. Implemented for every such row type (a derived
/// `Insertable` struct, a tuple of `eq` assignments); a trait rather than
/// bounds on [`insert_chunked`] itself, because there rustc would try to
/// prove them before it knows the row type, and overflow.
pub trait Row<T>: Sized {
    /// One INSERT of all `rows`, on the connection's own backend.
    fn insert_all(conn: &mut DbConnection, table: T, rows: &[Self]) -> QueryResult<usize>;
}

impl<T, R> Row<T> for R
where
    T: Table,
    for<'a> &'a [R]: Insertable<T>,
    for<'a> InsertStatement<T, <&'a [R] as Insertable<T>>::Values>:
        ExecuteDsl<PgConnection> + ExecuteDsl<SqliteConnection>,
{
    fn insert_all(conn: &mut DbConnection, table: T, rows: &[Self]) -> QueryResult<usize> {
        let insert = diesel::insert_into(table).values(rows);
        match conn {
            DbConnection::Pg(c) => insert.execute(c),
            DbConnection::Sqlite(c) => insert.execute(c),
        }
    }
}

/// Inserts `rows` into `table`, `columns` values per row, in as many
/// statements as the variable budget needs.
pub fn insert_chunked<T: Copy, R: Row<T>>(
    conn: &mut DbConnection,
    table: T,
    rows: &[R],
    columns: usize,
) -> StorageResult<()> {
    for chunk in rows.chunks(rows_per_statement(columns)) {
        R::insert_all(conn, table, chunk)?;
    }
    Ok(())
}

/// How many rows of `columns` values fit in one statement (at least one).
fn rows_per_statement(columns: usize) -> usize {
    (VARIABLES_PER_STATEMENT / columns.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_stay_under_the_variable_budget() {
        for columns in [1, 2, 3, 9, 13, 16, 40] {
            let rows = rows_per_statement(columns);
            assert!(rows >= 1);
            assert!(rows * columns <= VARIABLES_PER_STATEMENT, "{columns}");
        }
        // A row wider than the budget still goes in, one per statement.
        assert_eq!(rows_per_statement(VARIABLES_PER_STATEMENT + 1), 1);
        assert_eq!(rows_per_statement(0), VARIABLES_PER_STATEMENT);
    }
}

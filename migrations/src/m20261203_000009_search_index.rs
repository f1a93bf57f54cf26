//! An index for `?q=`, which matches a substring of `entries.search_text`. Without one a
//! word found in few entries (or none) makes the listing read every entry of the type: about
//! a second at a million entries.
//!
//! - **SQLite**: an FTS5 table with the trigram tokenizer over the search text
//!   (`entry_search`), kept by triggers on `entries`, so every write path (API, workflow,
//!   import) maintains it without knowing. It is contentless (the text stays in `entries`
//!   only); its rowid comes from `entry_search_rows`, whose `INTEGER PRIMARY KEY` survives
//!   `VACUUM` (the rowid of `entries` itself, a table keyed by text, may not). The listing asks
//!   it first how many entries hold the words and takes the index only for rare ones
//!   (`herald-store/src/search.rs`).
//! - **PostgreSQL**: a GIN index with `pg_trgm`'s `gin_trgm_ops` on `search_text`, which
//!   `LIKE '%…%'` uses as it is; the planner weighs it against the listing's order index. The
//!   extension is trusted (PostgreSQL 13+): the database's owner may create it. Where it is
//!   refused, the migration goes on without the index (the store warns at every start while
//!   it is missing); `docs/operations.md` gives the two statements to add it later.

#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE entry_search_rows (
        row INTEGER PRIMARY KEY,
        entry_id TEXT NOT NULL UNIQUE
    )",
    "CREATE VIRTUAL TABLE entry_search USING fts5(
        text, tokenize = 'trigram', content = '', contentless_delete = 1
    )",
    "INSERT INTO entry_search_rows (entry_id) SELECT id FROM entries",
    "INSERT INTO entry_search (rowid, text)
        SELECT r.row, e.search_text FROM entries e JOIN entry_search_rows r ON r.entry_id = e.id",
    "CREATE TRIGGER entries_search_insert AFTER INSERT ON entries BEGIN
        INSERT INTO entry_search_rows (entry_id) VALUES (new.id);
        INSERT INTO entry_search (rowid, text)
            VALUES ((SELECT row FROM entry_search_rows WHERE entry_id = new.id), new.search_text);
    END",
    "CREATE TRIGGER entries_search_update AFTER UPDATE OF search_text ON entries
        WHEN old.search_text IS NOT new.search_text BEGIN
        DELETE FROM entry_search
            WHERE rowid = (SELECT row FROM entry_search_rows WHERE entry_id = old.id);
        INSERT INTO entry_search (rowid, text)
            VALUES ((SELECT row FROM entry_search_rows WHERE entry_id = new.id), new.search_text);
    END",
    "CREATE TRIGGER entries_search_delete AFTER DELETE ON entries BEGIN
        DELETE FROM entry_search
            WHERE rowid = (SELECT row FROM entry_search_rows WHERE entry_id = old.id);
        DELETE FROM entry_search_rows WHERE entry_id = old.id;
    END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS entries_search_delete",
    "DROP TRIGGER IF EXISTS entries_search_update",
    "DROP TRIGGER IF EXISTS entries_search_insert",
    "DROP TABLE IF EXISTS entry_search",
    "DROP TABLE IF EXISTS entry_search_rows",
];

/// In a `DO` block, so that a refused `CREATE EXTENSION` rolls back only itself (PL/pgSQL runs
/// the block with an exception handler in a subtransaction), not the migration.
const POSTGRES_UP: &str = "DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'herald: pg_trgm is not available (%); ?q= searches without an index. \
See docs/operations.md, \"Text search on PostgreSQL\".', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX entries_search_trgm ON entries USING gin (search_text gin_trgm_ops);
    END IF;
END
$$";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                for statement in SQLITE_UP {
                    db.execute_unprepared(statement).await?;
                }
            }
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES_UP).await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                for statement in SQLITE_DOWN {
                    db.execute_unprepared(statement).await?;
                }
            }
            DbBackend::Postgres => {
                db.execute_unprepared("DROP INDEX IF EXISTS entries_search_trgm")
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }
}

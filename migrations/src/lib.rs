//! Herald's database migrations, one module per change, applied in order by
//! [`Migrator::up`] when `herald serve` (or any command that opens the database) starts.
//! See `migrations/README.md` for how to change the schema safely.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_entries;
mod m20261123_000002_auth;
mod m20261123_000003_publishing;
mod m20261123_000004_assets;
mod m20261201_000005_listing_by_locale_and_status;
mod m20261203_000006_auth_hardening;
mod m20261203_000007_listing_page_size;
mod m20261203_000008_published_assets;
mod m20261203_000009_search_index;
mod m20261203_000010_listing_sorts;
mod m20261206_000011_asset_history;

pub use m20261123_000003_publishing::BACKFILL_PUBLISHED;
pub use m20261206_000011_asset_history::backfill_asset_history;

/// Every migration, oldest first. Never edit or reorder a released one: add a new one.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_entries::Migration),
            Box::new(m20261123_000002_auth::Migration),
            Box::new(m20261123_000003_publishing::Migration),
            Box::new(m20261123_000004_assets::Migration),
            Box::new(m20261201_000005_listing_by_locale_and_status::Migration),
            Box::new(m20261203_000006_auth_hardening::Migration),
            Box::new(m20261203_000007_listing_page_size::Migration),
            Box::new(m20261203_000008_published_assets::Migration),
            Box::new(m20261203_000009_search_index::Migration),
            Box::new(m20261203_000010_listing_sorts::Migration),
            Box::new(m20261206_000011_asset_history::Migration),
        ]
    }
}

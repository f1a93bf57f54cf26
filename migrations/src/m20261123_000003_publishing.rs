//! The review workflow and the publishing pipeline: the slug an entry is published under, the
//! job queue (an outbox written in the transaction of each transition), what the bucket holds
//! (one row per published object, with the sequence number that places it on an index page),
//! the per-listing counters, the redirects of changed slugs and the bucket's revision.

#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(Iden, Clone, Copy)]
enum Entries {
    Table,
    TypeName,
    Locale,
    PublishedSlug,
    PublishedAt,
}

#[derive(Iden, Clone, Copy)]
enum PublishJobs {
    Table,
    Id,
    Kind,
    Status,
    TypeName,
    EntryId,
    Version,
    Payload,
    RunAfter,
    Attempts,
    MaxAttempts,
    LeaseUntil,
    Worker,
    Progress,
    Result,
    Error,
    CreatedAt,
    CreatedBy,
    StartedAt,
    FinishedAt,
}

#[derive(Iden)]
enum PublishedEntries {
    Table,
    TypeName,
    Locale,
    Slug,
    Seq,
    EntryId,
    Version,
    FallbackFrom,
    Title,
    PublishedAt,
}

#[derive(Iden)]
enum PublishGroups {
    Table,
    TypeName,
    Locale,
    NextSeq,
    Count,
}

#[derive(Iden)]
enum PublishRedirects {
    Table,
    FromPath,
    ToPath,
    CreatedAt,
}

#[derive(Iden)]
enum PublishState {
    Table,
    Id,
    Revision,
    UpdatedAt,
}

/// Fills `published_slug` and `published_at` from the published revision where missing.
pub const BACKFILL_PUBLISHED: &str = "UPDATE entries SET \
     published_slug = (SELECT r.slug FROM revisions r \
       WHERE r.entry_id = entries.id AND r.version = entries.published_version), \
     published_at = (SELECT r.created_at FROM revisions r \
       WHERE r.entry_id = entries.id AND r.version = entries.published_version) \
     WHERE published_version IS NOT NULL AND published_slug IS NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The slug and time of the live version (the current one may be a draft with another
        // slug). SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Entries::Table)
                    .add_column(ColumnDef::new(Entries::PublishedSlug).string_len(96).null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Entries::Table)
                    .add_column(ColumnDef::new(Entries::PublishedAt).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("entries_by_published_slug")
                    .table(Entries::Table)
                    .col(Entries::TypeName)
                    .col(Entries::PublishedSlug)
                    .col(Entries::Locale)
                    .to_owned(),
            )
            .await?;
        // Entries published before this migration: their live slug and time are those of their
        // published revision (the store runs the same statement after an import).
        manager
            .get_connection()
            .execute_unprepared(BACKFILL_PUBLISHED)
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PublishJobs::Table)
                    .col(
                        ColumnDef::new(PublishJobs::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PublishJobs::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(PublishJobs::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(PublishJobs::TypeName).string_len(64).null())
                    .col(ColumnDef::new(PublishJobs::EntryId).string_len(36).null())
                    .col(ColumnDef::new(PublishJobs::Version).big_integer().null())
                    .col(ColumnDef::new(PublishJobs::Payload).text().null())
                    .col(
                        ColumnDef::new(PublishJobs::RunAfter)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(PublishJobs::Attempts).integer().not_null())
                    .col(
                        ColumnDef::new(PublishJobs::MaxAttempts)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(PublishJobs::LeaseUntil).big_integer().null())
                    .col(ColumnDef::new(PublishJobs::Worker).string_len(64).null())
                    .col(ColumnDef::new(PublishJobs::Progress).text().null())
                    .col(ColumnDef::new(PublishJobs::Result).text().null())
                    .col(ColumnDef::new(PublishJobs::Error).text().null())
                    .col(
                        ColumnDef::new(PublishJobs::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishJobs::CreatedBy)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(ColumnDef::new(PublishJobs::StartedAt).big_integer().null())
                    .col(ColumnDef::new(PublishJobs::FinishedAt).big_integer().null())
                    .to_owned(),
            )
            .await?;
        // Claiming: the due jobs of a status, oldest first; cancelling an entry's pending jobs.
        let job_indexes: [(&str, &[PublishJobs]); 2] = [
            (
                "publish_jobs_due",
                &[PublishJobs::Status, PublishJobs::RunAfter, PublishJobs::Id],
            ),
            (
                "publish_jobs_by_entry",
                &[PublishJobs::EntryId, PublishJobs::Status],
            ),
        ];
        for (name, columns) in job_indexes {
            let mut index = Index::create();
            index.name(name).table(PublishJobs::Table);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PublishedEntries::Table)
                    .col(
                        ColumnDef::new(PublishedEntries::TypeName)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedEntries::Locale)
                            .string_len(35)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedEntries::Slug)
                            .string_len(96)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedEntries::Seq)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedEntries::EntryId)
                            .string_len(36)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedEntries::Version)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedEntries::FallbackFrom)
                            .string_len(35)
                            .null(),
                    )
                    .col(ColumnDef::new(PublishedEntries::Title).text().null())
                    .col(
                        ColumnDef::new(PublishedEntries::PublishedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(PublishedEntries::TypeName)
                            .col(PublishedEntries::Locale)
                            .col(PublishedEntries::Slug),
                    )
                    .to_owned(),
            )
            .await?;
        // An index page is a range of sequence numbers of one listing.
        manager
            .create_index(
                Index::create()
                    .name("published_entries_by_seq")
                    .table(PublishedEntries::Table)
                    .col(PublishedEntries::TypeName)
                    .col(PublishedEntries::Locale)
                    .col(PublishedEntries::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The objects at a slug, in every locale (a publish looks at its entry's slug).
        manager
            .create_index(
                Index::create()
                    .name("published_entries_by_slug")
                    .table(PublishedEntries::Table)
                    .col(PublishedEntries::TypeName)
                    .col(PublishedEntries::Slug)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("published_entries_by_entry")
                    .table(PublishedEntries::Table)
                    .col(PublishedEntries::EntryId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PublishGroups::Table)
                    .col(
                        ColumnDef::new(PublishGroups::TypeName)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishGroups::Locale)
                            .string_len(35)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishGroups::NextSeq)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishGroups::Count)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(PublishGroups::TypeName)
                            .col(PublishGroups::Locale),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PublishRedirects::Table)
                    .col(
                        ColumnDef::new(PublishRedirects::FromPath)
                            .string_len(255)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PublishRedirects::ToPath)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishRedirects::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PublishState::Table)
                    .col(
                        ColumnDef::new(PublishState::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PublishState::Revision)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishState::UpdatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert
            .into_table(PublishState::Table)
            .columns([
                PublishState::Id,
                PublishState::Revision,
                PublishState::UpdatedAt,
            ])
            .values([1.into(), 0i64.into(), 0i64.into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        manager.exec_stmt(insert.to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Alias::new("publish_state"),
            Alias::new("publish_redirects"),
            Alias::new("publish_groups"),
            Alias::new("published_entries"),
            Alias::new("publish_jobs"),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("entries_by_published_slug")
                    .table(Entries::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Entries::PublishedSlug, Entries::PublishedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Entries::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

//! The text that `?q=` searches: every text, long text and Markdown value of an entry, with its
//! slug, lowercased, so one `LIKE` on one column serves both databases; and how a listing finds
//! the entries whose text holds `q` without reading them all.
//!
//! The `LIKE` alone costs little for a common word (the listing walks its order index and
//! stops after one page of matches) but reads every entry of the type for a rare one. Both
//! databases keep a trigram index of the text (migration `m20261203_000009_search_index`).
//! PostgreSQL's planner weighs that index against the order index itself. On SQLite the
//! listing walks a little first and, if that finds too few, asks the FTS5 index how many
//! entries hold `q`: few, and the listing looks up just those and sorts them; many, and it
//! walks on ([`rows`]). The `LIKE` stays in every plan, so the answer is the same whichever is
//! taken.

use herald_model::{ContentType, Field, FieldKind};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Statement,
};
use serde_json::{Map, Value};

use crate::entity::entries;
use crate::listing::{CursorKey, Side, Sort, keyset, ordered};
use crate::{Store, StoreError};

/// Longest search text kept per entry, in bytes: enough for any realistic entry's words.
const MAX_SEARCH_TEXT: usize = 64 * 1024;

pub(crate) fn search_text(
    content_type: &ContentType,
    slug: &str,
    fields: &Map<String, Value>,
) -> String {
    let mut text = String::with_capacity(256);
    text.push_str(slug);
    collect(&content_type.fields, fields, &mut text);
    if text.len() > MAX_SEARCH_TEXT {
        let mut cut = MAX_SEARCH_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text.to_lowercase()
}

fn collect(fields: &[Field], values: &Map<String, Value>, text: &mut String) {
    for field in fields {
        if let Some(value) = values.get(&field.name) {
            collect_value(&field.spec.kind, value, text);
        }
    }
}

fn collect_value(kind: &FieldKind, value: &Value, text: &mut String) {
    match (kind, value) {
        (
            FieldKind::Text(_) | FieldKind::LongText(_) | FieldKind::Markdown(_),
            Value::String(s),
        ) => {
            text.push('\n');
            text.push_str(s);
        }
        (FieldKind::List(list), Value::Array(items)) => {
            for item in items {
                collect_value(&list.of.kind, item, text);
            }
        }
        (FieldKind::Object(object), Value::Object(map)) => collect(&object.fields, map, text),
        _ => {}
    }
}

/// The thresholds of the search plans.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tuning {
    /// Entries of the listing a search walks before it asks the text index (0: it asks at
    /// once).
    pub walk_first: u64,
    /// Entries holding a word, counted up to this, below which looking them up and sorting
    /// them beats walking on.
    pub rare_matches: i64,
}

impl Tuning {
    /// Measured at a million entries (`docs/performance.md`): walking costs about 4 µs an
    /// entry (each is a read of its row out of index order), the text index about 1 µs a match
    /// to count (up to 7 µs for a phrase of several words) and a few µs to look one up. A first
    /// walk of 300 (about 1 ms) finds a page of a word one entry in six holds: the searches
    /// for what is everywhere stay as cheap as they were without the index. Looking up 2,000
    /// matches costs about what walking on does for a word that many entries of a million
    /// hold, so more are walked.
    pub(crate) const DEFAULT: Tuning = Tuning {
        walk_first: 300,
        rare_matches: 2_000,
    };
}

/// How a search listing found its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// It walked the listing's order index and tested each entry's text.
    Walk,
    /// It looked up the entries the SQLite text index names and sorted them.
    Lookup,
}

/// The first `count` entries of `type_name` that meet `filters` and whose search text holds
/// `q` (already trimmed and not empty), in the order of `sort`, and the plan that found them.
///
/// On PostgreSQL, and for a `q` shorter than a trigram, one walk: PostgreSQL's planner weighs
/// the trigram index against the order index itself. On SQLite, a walk of the first
/// [`Tuning::walk_first`] entries, which finds a common word's page at once; when it falls
/// short, the text index counts the entries holding `q`, and fewer than
/// [`Tuning::rare_matches`] are looked up, more walked on.
pub(crate) async fn rows(
    store: &Store,
    type_name: &str,
    filters: Condition,
    q: &str,
    sort: Sort,
    count: u64,
    tuning: Tuning,
) -> Result<(Vec<entries::Model>, Plan), StoreError> {
    let listing = Condition::all()
        .add(entries::Column::TypeName.eq(type_name))
        .add(filters.clone());
    let walk = listing.clone().add(like(q));
    let phrase = match fts_phrase(q) {
        Some(phrase) if store.is_sqlite() => phrase,
        _ => return Ok((store.ordered_rows(walk, sort, count).await?, Plan::Walk)),
    };
    if tuning.walk_first > 0 {
        // The last entry the first walk may read: its key and id, which the listing's index
        // holds, so skipping to it reads no row.
        let last = ordered(entries::Entity::find().filter(listing), sort)
            .select_only()
            .column(sort.column())
            .column(entries::Column::Id)
            .offset(tuning.walk_first - 1);
        let last = if matches!(sort, Sort::SlugAsc | Sort::SlugDesc) {
            let row = last
                .into_tuple::<(String, String)>()
                .one(&store.read)
                .await?;
            row.map(|(slug, id)| (CursorKey::Text(slug), id))
        } else {
            let row = last.into_tuple::<(i64, String)>().one(&store.read).await?;
            row.map(|(at, id)| (CursorKey::Time(at), id))
        };
        let Some((key, id)) = last else {
            // The whole listing is shorter than the first walk.
            return Ok((store.ordered_rows(walk, sort, count).await?, Plan::Walk));
        };
        let up_to_last = keyset(sort, key, id, Side::UpTo);
        let rows = store
            .ordered_rows(walk.clone().add(up_to_last), sort, count)
            .await?;
        if rows.len() as u64 >= count {
            return Ok((rows, Plan::Walk));
        }
    }
    let matches = sqlite_match_ids(&store.read, &phrase, tuning.rare_matches).await?;
    if (matches.len() as i64) < tuning.rare_matches {
        if matches.is_empty() {
            return Ok((Vec::new(), Plan::Lookup));
        }
        // The ids go in as one JSON array: one statement text whatever their number, so the
        // prepared statement is reused. An entry edited in between to hold `q` shows on the
        // next page load, as if the edit came after this one.
        let ids = Value::from(matches).to_string();
        // The unary `+` keeps SQLite from seeking an index by the type: every listing index
        // leads with it, and without statistics SQLite takes walking one in order for cheaper
        // than looking up a list and sorting it (measured: 0.3 s against 3 ms at a million).
        let lookup = Condition::all()
            .add(Expr::cust_with_values(
                "+\"entries\".\"type_name\" = ?",
                [type_name],
            ))
            .add(filters)
            .add(like(q))
            .add(Expr::cust_with_values(
                "\"entries\".\"id\" IN (SELECT value FROM json_each(?))",
                [ids],
            ));
        return Ok((store.ordered_rows(lookup, sort, count).await?, Plan::Lookup));
    }
    Ok((store.ordered_rows(walk, sort, count).await?, Plan::Walk))
}

/// The `LIKE` that decides whether an entry holds `q`, whichever plan found it.
fn like(q: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::col(entries::Column::SearchText).like(LikeExpr::new(like_pattern(q)).escape('\\'))
}

/// `q` as an FTS5 phrase for the trigram tokenizer, which matches it as a substring; `None`
/// when it is shorter than a trigram, which the index cannot find.
fn fts_phrase(q: &str) -> Option<String> {
    let q = q.to_lowercase();
    (q.chars().count() >= 3).then(|| format!("\"{}\"", q.replace('"', "\"\"")))
}

/// The ids of the entries (of any type) that hold `phrase`, at most `cap` of them: all of them
/// when fewer come back. One pass over the text index gives both the count that picks the plan
/// and the entries the lookup reads, so a rare word's search asks the index once.
async fn sqlite_match_ids(
    db: &impl ConnectionTrait,
    phrase: &str,
    cap: i64,
) -> Result<Vec<String>, DbErr> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "SELECT entry_id FROM entry_search_rows WHERE row IN \
         (SELECT rowid FROM entry_search WHERE entry_search MATCH ? LIMIT ?)",
        [phrase.into(), cap.into()],
    ))
    .await?
    .iter()
    .map(|row| row.try_get_by_index(0))
    .collect()
}

/// `q` as a `LIKE` pattern: lowercased, with `%`, `_` and `\` escaped (escape character `\`).
pub(crate) fn like_pattern(q: &str) -> String {
    let mut pattern = String::with_capacity(q.len() + 2);
    pattern.push('%');
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(like_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }

    /// A store on a new SQLite file with the example schemas, and the FAQ type.
    async fn faq_store(dir: &std::path::Path) -> (crate::Store, herald_model::SchemaSet, String) {
        let url = format!("sqlite://{}?mode=rwc", dir.join("h.db").display());
        let store = crate::Store::connect(&url).await.expect("a database");
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
        let schemas = herald_model::SchemaSet::load_dir(&examples).expect("the examples");
        (store, schemas, url)
    }

    async fn create_faq(
        store: &crate::Store,
        schemas: &herald_model::SchemaSet,
        n: usize,
        question: String,
    ) -> crate::Entry {
        let faq = schemas.get("faq").expect("the FAQ type");
        let fields = serde_json::json!({"question": question, "answer": format!("The answer to number {n}.")});
        let locale = if n.is_multiple_of(2) { "en" } else { "fr" };
        // Slugs that hold none of the searched words, nor the type's name.
        let slug = Some(format!("q-{n}"));
        let new = crate::NewEntry {
            locale: locale.into(),
            slug,
            fields,
        };
        store
            .create_entry(faq, new, &crate::Actor::system())
            .await
            .expect("created")
    }

    /// Every id a listing gives, page after page of 7, and the plan of each page.
    async fn search_ids(
        store: &crate::Store,
        q: &str,
        sort: crate::Sort,
        locale: Option<&str>,
        tuning: Tuning,
    ) -> (Vec<String>, Vec<Plan>) {
        let (mut ids, mut plans) = (Vec::new(), Vec::new());
        let mut query = crate::ListQuery {
            q: Some(q.to_owned()),
            locale: locale.map(str::to_owned),
            sort,
            limit: 7,
            ..Default::default()
        };
        loop {
            let (page, plan) = store
                .list_entries_planned("faq", &query, tuning)
                .await
                .expect("a page");
            ids.extend(page.items.into_iter().map(|e| e.id));
            plans.push(plan.expect("a search plan"));
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => return (ids, plans),
            }
        }
    }

    /// Only walks.
    const WALK: Tuning = Tuning {
        walk_first: 0,
        rare_matches: 0,
    };
    /// The text index whenever `q` is long enough.
    const LOOKUP: Tuning = Tuning {
        walk_first: 0,
        rare_matches: i64::MAX,
    };
    /// A walk of 10 first, then the text index.
    const FIRST_WALK: Tuning = Tuning {
        walk_first: 10,
        rare_matches: i64::MAX,
    };

    #[tokio::test]
    async fn the_index_and_the_walk_find_the_same_entries() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (store, schemas, _) = faq_store(dir.path()).await;
        let faq = schemas.get("faq").expect("the FAQ type");
        let mut entries = Vec::new();
        for n in 0..60_usize {
            let mut question = format!("Question {n}: do you ship");
            if n.is_multiple_of(7) {
                question.push_str(" espadrilles");
            }
            if n.is_multiple_of(5) {
                question.push_str(" in Été");
            }
            if n.is_multiple_of(11) {
                question.push_str(" \"quoted\" 50%");
            }
            question.push('?');
            entries.push(create_faq(&store, &schemas, n, question).await);
        }
        // Edits move a word from one entry to another: the index follows every write.
        for (entry, question) in [
            (&entries[0], "Do you ship boots?"),
            (&entries[1], "Do you ship espadrilles?"),
        ] {
            let update = crate::EntryUpdate {
                slug: None,
                fields: serde_json::json!({"question": question, "answer": "Yes, we do ship them."}),
            };
            store
                .update_entry(
                    faq,
                    &entry.id,
                    entry.version,
                    update,
                    &crate::Actor::system(),
                )
                .await
                .expect("updated");
        }
        // Each word, its entries, and the plan of every page when a walk of 10 comes first.
        let expected = [
            ("espadrilles", 9, Some(Plan::Lookup)),
            ("ESPADRILLES", 9, Some(Plan::Lookup)),
            ("été", 11, Some(Plan::Lookup)),
            ("\"quoted\" 50%", 5, Some(Plan::Lookup)),
            ("question", 58, Some(Plan::Walk)),
            ("es", 60, Some(Plan::Walk)),
            ("moccasins", 0, Some(Plan::Lookup)),
        ];
        for (q, count, first_walk_plan) in expected {
            for sort in crate::Sort::ALL {
                for locale in [None, Some("fr")] {
                    let context = format!("q={q} sort={} locale={locale:?}", sort.as_str());
                    let (walked, plans) = search_ids(&store, q, sort, locale, WALK).await;
                    assert!(plans.iter().all(|p| *p == Plan::Walk), "{context}");
                    let (looked_up, plans) = search_ids(&store, q, sort, locale, LOOKUP).await;
                    let long_enough = q.chars().count() >= 3;
                    let plan = if long_enough {
                        Plan::Lookup
                    } else {
                        Plan::Walk
                    };
                    assert!(plans.iter().all(|p| *p == plan), "{context}: {plans:?}");
                    assert_eq!(walked, looked_up, "{context}");
                    let (mixed, plans) = search_ids(&store, q, sort, locale, FIRST_WALK).await;
                    assert_eq!(walked, mixed, "{context}");
                    // The last page may be the listing's short tail, which is walked.
                    let pages = &plans[..plans.len() - 1];
                    assert!(
                        pages.iter().all(|p| Some(*p) == first_walk_plan),
                        "{context}: {plans:?}"
                    );
                    if locale.is_none() {
                        assert_eq!(walked.len(), count, "{context}");
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn the_migration_indexes_the_entries_already_there() {
        use herald_migration::MigratorTrait;
        let dir = tempfile::tempdir().expect("a temp dir");
        let (store, schemas, url) = faq_store(dir.path()).await;
        for n in 0..5 {
            create_faq(&store, &schemas, n, format!("Espadrilles number {n}?")).await;
        }
        let db = sea_orm::Database::connect(&url).await.expect("connected");
        // Back to before the index, one more entry, and up again.
        let undone = herald_migration::Migrator::migrations()
            .iter()
            .rev()
            .position(|m| m.name() == "m20261203_000009_search_index")
            .expect("the migration")
            + 1;
        herald_migration::Migrator::down(&db, Some(undone as u32))
            .await
            .expect("down");
        create_faq(&store, &schemas, 5, "Espadrilles number 5?".into()).await;
        herald_migration::Migrator::up(&db, None).await.expect("up");
        let indexed = search_ids(&store, "espadrilles", crate::Sort::SlugAsc, None, LOOKUP).await;
        assert_eq!(indexed.0.len(), 6);
        create_faq(&store, &schemas, 6, "Espadrilles number 6?".into()).await;
        let indexed = search_ids(&store, "espadrilles", crate::Sort::SlugAsc, None, LOOKUP).await;
        assert_eq!(indexed.0.len(), 7);
    }

    #[test]
    fn phrases_are_quoted_and_need_a_trigram() {
        assert_eq!(
            fts_phrase("Say \"Hi\"").as_deref(),
            Some("\"say \"\"hi\"\"\"")
        );
        assert_eq!(fts_phrase("été").as_deref(), Some("\"été\""));
        assert_eq!(fts_phrase("é5"), None);
    }
}

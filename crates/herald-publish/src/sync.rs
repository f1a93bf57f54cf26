//! Planning a batch: which paths of the bucket must change so that it shows what the
//! workflow made live, computed from the database (never by listing the bucket).
//!
//! A path `content/{type}/{locale}/{slug}.json` shows the live entry of that type and slug in
//! the first locale of the locale's fallback chain that has one (`fr-BE` → `fr` → …): its own
//! entry when it has one, else a fallback, marked with `fallback_from`. A batch looks only at
//! the slugs its entries are (or were) published under, in every locale.

use std::collections::{BTreeMap, BTreeSet};

use herald_model::{Locales, SchemaSet};
use herald_store::{LiveEntry, ObjectSource, PublishedObject, SlotChange, Store, StoreError};

/// What a batch changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) changes: Vec<SlotChange>,
    /// Old path → new path, for entries whose published slug changed.
    pub(crate) moves: Vec<(String, String)>,
}

/// The locales a path of `locale` is looked up in, in order.
pub(crate) fn chain<'a>(locales: &'a Locales, localized: bool, locale: &'a str) -> Vec<&'a str> {
    if localized {
        locales.fallback_chain(locale)
    } else {
        vec![locale]
    }
}

/// What the path of `locale` and `slug` should show, among the `live` entries of the type.
pub(crate) fn desired(
    locales: &Locales,
    localized: bool,
    locale: &str,
    slug: &str,
    live: &[impl std::borrow::Borrow<LiveEntry>],
) -> Option<ObjectSource> {
    for candidate in chain(locales, localized, locale) {
        let winner = live
            .iter()
            .map(std::borrow::Borrow::borrow)
            .filter(|e: &&LiveEntry| e.locale == candidate && e.slug == slug)
            .min_by(|a, b| a.id.cmp(&b.id));
        if let Some(entry) = winner {
            return Some(ObjectSource {
                entry_id: entry.id.clone(),
                version: entry.version,
                fallback_from: (candidate != locale).then(|| candidate.to_owned()),
                title: None,
                published_at: entry.published_at,
                assets: Vec::new(),
            });
        }
    }
    None
}

/// Whether the object already shows `source`.
pub(crate) fn shows(object: &PublishedObject, source: &ObjectSource) -> bool {
    object.entry_id == source.entry_id
        && object.version == source.version
        && object.fallback_from == source.fallback_from
}

/// The changes that bring the paths of `entry_ids` in line with the database.
pub(crate) async fn plan(
    store: &Store,
    schemas: &SchemaSet,
    locales: &Locales,
    entry_ids: &[String],
) -> Result<Plan, StoreError> {
    let places = store.entry_places(entry_ids).await?;
    let objects = store.objects_of_entries(entry_ids).await?;
    let mut slugs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for place in &places {
        if let Some(live) = &place.live {
            slugs
                .entry(place.type_name.clone())
                .or_default()
                .insert(live.slug.clone());
        }
    }
    for object in &objects {
        slugs
            .entry(object.type_name.clone())
            .or_default()
            .insert(object.slug.clone());
    }
    let mut changes = Vec::new();
    for (type_name, slugs) in slugs {
        let localized = schemas.get(&type_name).is_some_and(|t| t.localized);
        let slugs: Vec<String> = slugs.into_iter().collect();
        // A type no longer in the schema set keeps nothing live.
        let live = if schemas.get(&type_name).is_some() {
            store.live_at(&type_name, &slugs).await?
        } else {
            Vec::new()
        };
        let actual = store.objects_at(&type_name, &slugs).await?;
        for slug in &slugs {
            let mut slot_locales: BTreeSet<&str> = locales.all.iter().map(String::as_str).collect();
            slot_locales.extend(
                actual
                    .iter()
                    .filter(|o| &o.slug == slug)
                    .map(|o| o.locale.as_str()),
            );
            for locale in slot_locales {
                let want = desired(locales, localized, locale, slug, &live);
                let have = actual
                    .iter()
                    .find(|o| o.locale == locale && &o.slug == slug);
                let unchanged = match (have, &want) {
                    (Some(have), Some(want)) => shows(have, want),
                    (None, None) => true,
                    _ => false,
                };
                if !unchanged {
                    changes.push(SlotChange {
                        type_name: type_name.clone(),
                        locale: locale.to_owned(),
                        slug: slug.clone(),
                        old: have.cloned(),
                        new: want,
                    });
                }
            }
        }
    }
    let moves = moves(&changes);
    Ok(Plan { changes, moves })
}

/// An object that goes away while the same entry appears under another slug in the same
/// locale has moved: its old path redirects to the new one.
pub(crate) fn moves(changes: &[SlotChange]) -> Vec<(String, String)> {
    let mut moves = Vec::new();
    for gone in changes.iter().filter(|c| c.new.is_none()) {
        let Some(old) = &gone.old else { continue };
        if let Some(arrived) = changes.iter().find(|c| {
            c.locale == gone.locale
                && c.type_name == gone.type_name
                && c.slug != gone.slug
                && c.new.as_ref().is_some_and(|n| n.entry_id == old.entry_id)
        }) {
            moves.push((gone.path(), arrived.path()));
        }
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn locales() -> Locales {
        Locales::new(
            vec!["en".into(), "fr".into(), "fr-BE".into()],
            [("fr-BE".to_owned(), "fr".to_owned())]
                .into_iter()
                .collect(),
        )
        .expect("valid locales")
    }

    fn live(id: &str, locale: &str, slug: &str) -> LiveEntry {
        LiveEntry {
            id: id.into(),
            type_name: "faq".into(),
            locale: locale.into(),
            slug: slug.into(),
            version: 3,
            published_at: Utc::now(),
        }
    }

    #[test]
    fn a_locale_without_its_own_entry_shows_its_fallback() {
        let locales = locales();
        let entries = [live("a", "fr", "x")];
        let shown = desired(&locales, true, "fr-BE", "x", &entries).expect("a fallback");
        assert_eq!(shown.entry_id, "a");
        assert_eq!(shown.fallback_from.as_deref(), Some("fr"));
        let own = desired(&locales, true, "fr", "x", &entries).expect("its own");
        assert_eq!(own.fallback_from, None);
        assert_eq!(desired(&locales, true, "en", "x", &entries), None);
        // Not localized: no fallbacks.
        assert_eq!(desired(&locales, false, "fr-BE", "x", &entries), None);
    }

    #[test]
    fn an_own_entry_wins_over_the_fallback() {
        let locales = locales();
        let entries = [live("a", "fr", "x"), live("b", "fr-BE", "x")];
        let shown = desired(&locales, true, "fr-BE", "x", &entries).expect("its own");
        assert_eq!(shown.entry_id, "b");
        assert_eq!(shown.fallback_from, None);
    }

    #[test]
    fn a_changed_slug_is_a_move() {
        let source = ObjectSource {
            entry_id: "a".into(),
            version: 4,
            fallback_from: None,
            title: None,
            published_at: Utc::now(),
            assets: Vec::new(),
        };
        let old = PublishedObject {
            type_name: "faq".into(),
            locale: "en".into(),
            slug: "old".into(),
            seq: 0,
            entry_id: "a".into(),
            version: 3,
            fallback_from: None,
            title: None,
            published_at: Utc::now(),
        };
        let changes = [
            SlotChange {
                type_name: "faq".into(),
                locale: "en".into(),
                slug: "old".into(),
                old: Some(old),
                new: None,
            },
            SlotChange {
                type_name: "faq".into(),
                locale: "en".into(),
                slug: "new".into(),
                old: None,
                new: Some(source),
            },
        ];
        assert_eq!(
            moves(&changes),
            [(
                "content/faq/en/old.json".to_owned(),
                "content/faq/en/new.json".to_owned()
            )]
        );
    }
}

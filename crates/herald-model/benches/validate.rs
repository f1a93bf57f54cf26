//! Validation throughput: 10,000 typical `landing_page` entries (issue target: < 100 ms total).
//!
//! Run: `cargo bench -p herald-model --bench validate`.
//!
//! The `herald` binary runs on mimalloc, so the benchmark does too: with glibc's allocator the
//! same loop is about 1.6 times slower, spent in `malloc_consolidate` on a fragmented heap.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use herald_model::SchemaSet;
use serde_json::{Value, json};

const ENTRIES: usize = 10_000;

/// A landing page with six sections of different kinds, references, assets and SEO data; `n`
/// varies the texts so entries are not identical.
fn landing_page(n: usize) -> Value {
    let id = |k: usize| format!("0193a3e4-7c1e-7b4a-9f00-{:012x}", n * 100 + k);
    json!({
        "title": format!("Summer sale {n}: up to 50% off sandals"),
        "sections": [
            {"kind": "hero", "anchor": "top", "heading": "Summer is here",
             "subheading": "Fresh styles for sunny days", "image": {"id": id(1), "alt": "Beach at noon"},
             "cta_label": "Shop now", "cta_url": "/sale/summer", "theme": "brand"},
            {"kind": "rich_text", "heading": "Why we love summer",
             "body": format!("**Up to 50% off** on {n} sandals.\n\n- Free returns\n- Delivery in 48 h\n\n[Read more](/stories/summer)")},
            {"kind": "product_grid", "heading": "Best sellers", "columns": 4,
             "products": (0..8).map(|k| json!({"type": "product", "id": id(10 + k)})).collect::<Vec<_>>()},
            {"kind": "faq_block", "heading": "Questions",
             "faqs": (0..4).map(|k| json!({"id": id(20 + k)})).collect::<Vec<_>>()},
            {"kind": "story_teaser", "stories": [{"type": "article", "id": id(30)}, {"type": "product_story", "id": id(31)}]},
            {"kind": "newsletter", "heading": "Stay in the loop", "newsletter_list": "offers"}
        ],
        "seo": {"title": "Summer sale", "description": "Up to 50% off sandals and more, this week only.",
                "canonical": "https://shop.example/sale/summer", "share_image": {"id": id(40)}}
    })
}

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let set = SchemaSet::load_dir(&dir).expect("the example schemas are valid");
    let landing = set
        .get("landing_page")
        .expect("landing_page exists")
        .clone();
    let entries: Vec<Value> = (0..ENTRIES).map(landing_page).collect();
    for entry in &entries {
        if let Err(errors) = landing.validate(entry.clone()) {
            panic!("the benchmark entry must be valid: {errors}");
        }
    }

    let mut group = c.benchmark_group("validate");
    group.sample_size(20);
    group.bench_function("10000 landing_page entries", |b| {
        b.iter_batched(
            || entries.clone(),
            // The validated entries are returned so that freeing them is not timed.
            |entries| {
                entries
                    .into_iter()
                    .map(|entry| black_box(landing.validate(entry)))
                    .collect::<Vec<_>>()
            },
            BatchSize::PerIteration,
        );
    });
    group.bench_function("1 landing_page entry", |b| {
        b.iter_batched(
            || entries[0].clone(),
            |entry| black_box(landing.validate(entry)),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

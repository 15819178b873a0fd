//! Any planning issue description: its priorities and the references in
//! them are read without a panic (a no-break space before `#12` once
//! panicked), and every reference read is written in the text.
#![no_main]
use glboard::core::domain::next;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|description: &str| {
    for item in next::priority_items(description) {
        assert!(description.contains(item.as_str()), "{item:?}");
        for r in next::references(&item) {
            assert!(item.contains(&r.iid.to_string()), "{r:?} in {item:?}");
        }
    }
    for r in next::references(description) {
        assert!(description.contains(&r.iid.to_string()), "{r:?}");
        if let Some(p) = &r.project {
            assert!(!p.is_empty() && description.contains(p.as_str()), "{r:?}");
        }
    }
});

//! Any text as a config file: parsing never panics (errors are values).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let path = std::path::Path::new("config.toml");
    let _ = glboard::config::parse(path, data, None);
    let _ = glboard::config::parse(path, data, Some(data));
});

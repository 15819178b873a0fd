//! Any bytes as a GitLab response: decoding never panics, and whatever decodes
//! reaches the core sanitized.
#![no_main]
use glboard::core::domain::model::Milestone;
use glboard::gitlab::dto::{ApiErrorBody, ApiIssue, ApiMilestone, ApiUser};
use glboard_fuzz::is_safe;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(issues) = serde_json::from_slice::<Vec<ApiIssue>>(data) {
        for api in issues {
            let _ = api.project_path();
            let issue = api.into_issue(0, &Default::default());
            assert!(is_safe(&issue.title) && !issue.title.contains('\n'));
            assert!(is_safe(&issue.description));
            assert!(issue.labels.iter().all(|l| is_safe(l)));
        }
    }
    if let Ok(ms) = serde_json::from_slice::<Vec<ApiMilestone>>(data) {
        for m in ms {
            let m: Milestone = m.into();
            assert!(is_safe(&m.title));
        }
    }
    let _ = serde_json::from_slice::<Vec<ApiUser>>(data);
    let summary = ApiErrorBody::summarize(data);
    assert!(is_safe(&summary) && !summary.contains('\n'));
});

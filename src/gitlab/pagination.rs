//! GitLab's offset pagination, as pure functions over response headers:
//! the `Link` header's `rel="next"`, `x-next-page`, and `x-total-pages`
//! (absent above 10,000 results, so it may only drive parallel fetches).

/// What a page's headers say about the pages after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageInfo {
    /// The `rel="next"` URL, when given.
    pub next_url: Option<String>,
    /// `x-next-page`, when given and not empty.
    pub next_page: Option<u32>,
    /// `x-total-pages`, when given.
    pub total_pages: Option<u32>,
    /// `x-total`, when given.
    pub total: Option<u64>,
}

impl PageInfo {
    /// Read the headers of one response (names are matched case-insensitively
    /// by the caller's header map; here they come as lower-case pairs).
    pub fn from_headers<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> PageInfo {
        let mut info = PageInfo::default();
        for (name, value) in headers {
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "link" => info.next_url = next_link(value),
                "x-next-page" => info.next_page = value.parse().ok(),
                "x-total-pages" => info.total_pages = value.parse().ok(),
                "x-total" => info.total = value.parse().ok(),
                _ => {}
            }
        }
        info
    }

    /// Whether another page follows: only `x-next-page` or `rel="next"` say so.
    pub fn has_next(&self) -> bool {
        self.next_url.is_some() || self.next_page.is_some()
    }
}

/// The URL of `rel="next"` in a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let mut pieces = part.split(';');
        let url = pieces.next()?.trim();
        let is_next = pieces.any(|p| {
            let p = p.trim();
            p == "rel=\"next\"" || p == "rel=next"
        });
        if is_next {
            url.strip_prefix('<')?.strip_suffix('>').map(str::to_owned)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = r#"<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=1&per_page=3>; rel="prev", <https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3>; rel="next", <https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=1&per_page=3>; rel="first", <https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3>; rel="last""#;

    #[test]
    fn reads_the_documented_example() {
        let info = PageInfo::from_headers([
            ("link", LINK),
            ("x-next-page", "3"),
            ("x-page", "2"),
            ("x-total", "8"),
            ("X-Total-Pages", "3"),
        ]);
        assert_eq!(
            info.next_url.as_deref(),
            Some("https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3")
        );
        assert_eq!(info.next_page, Some(3));
        assert_eq!(info.total_pages, Some(3));
        assert_eq!(info.total, Some(8));
        assert!(info.has_next());
    }

    #[test]
    fn the_last_page_has_an_empty_next() {
        let info = PageInfo::from_headers([("x-next-page", ""), ("x-total-pages", "3")]);
        assert!(!info.has_next());
    }

    #[test]
    fn above_ten_thousand_there_are_no_totals_but_next_still_works() {
        let info = PageInfo::from_headers([("x-next-page", "101")]);
        assert_eq!(info.total_pages, None);
        assert!(info.has_next());
    }

    #[test]
    fn keyset_links_have_only_next() {
        let l = r#"<https://gitlab.example.com/api/v4/projects/1/issues?cursor=abc&per_page=100>; rel="next""#;
        assert_eq!(
            next_link(l).as_deref(),
            Some("https://gitlab.example.com/api/v4/projects/1/issues?cursor=abc&per_page=100")
        );
        assert_eq!(next_link(r#"<https://x/a>; rel="first""#), None);
        assert_eq!(next_link("garbage"), None);
    }
}

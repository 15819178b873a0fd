//! GitLab's address as the configuration gives it (`https://host[:port]`,
//! perhaps with a path when GitLab lives under one): where the token may
//! go, and how the address is shown. Taken apart by `url`, never by hand.

use url::{Host, Position, Url};

/// Plain http goes only to loopback: the token would cross the network
/// readable by anyone on the way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing to send the token to {0}: use https (plain http is allowed only to localhost)")]
pub struct InsecureHost(pub String);

/// Whether the token may go to `host`: https, or plain http to localhost
/// or a loopback address.
pub fn check_host(host: &str) -> Result<(), InsecureHost> {
    let lower = host.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Ok(());
    }
    let loopback = lower.starts_with("http://")
        && Url::parse(host).is_ok_and(|u| match u.host() {
            Some(Host::Domain(d)) => d == "localhost",
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        });
    if loopback {
        Ok(())
    } else {
        Err(InsecureHost(host.to_owned()))
    }
}

/// The address without its scheme, as the status line names the
/// workspace: `gitlab.example.com`, `127.0.0.1:3000`, `host/gitlab`.
pub fn shown(host: &str) -> String {
    match Url::parse(host) {
        Ok(u) if u.has_host() => u[Position::BeforeHost..Position::AfterPath]
            .trim_end_matches('/')
            .to_owned(),
        _ => host.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_goes_to_loopback_only() {
        for ok in [
            "https://gitlab.example.com",
            "HTTPS://GitLab.Example.com/gitlab",
            "http://localhost",
            "http://LOCALHOST:8080/",
            "http://127.0.0.1:3000/gitlab",
            "http://127.1.2.3",
            "http://[::1]:1",
        ] {
            assert_eq!(check_host(ok), Ok(()), "{ok}");
        }
        for refused in [
            "http://gitlab.example.com",
            "http://localhost.evil.com",
            "http://127.0.0.1.evil.com",
            "http://127.0.0.1@evil.com",
            "http://0.0.0.0",
            "http://[::2]",
            "http://",
            "ftp://127.0.0.1",
            "gitlab.example.com",
        ] {
            assert_eq!(
                check_host(refused),
                Err(InsecureHost(refused.to_owned())),
                "{refused}"
            );
        }
    }

    #[test]
    fn the_address_is_shown_without_its_scheme() {
        assert_eq!(shown("https://gitlab.example.com"), "gitlab.example.com");
        assert_eq!(shown("https://gitlab.example.com/"), "gitlab.example.com");
        assert_eq!(shown("http://127.0.0.1:3000"), "127.0.0.1:3000");
        assert_eq!(shown("https://example.com/gitlab"), "example.com/gitlab");
        // Never a user name or password written into the address.
        assert_eq!(shown("https://me:secret@example.com"), "example.com");
        assert_eq!(shown("not an address"), "not an address");
    }
}

//! Where a webhook may point. A webhook makes the service send requests on
//! a party's behalf, so by default it may only reach public addresses: not
//! loopback, private networks, link-local (cloud metadata) and the like.
//! The rule is applied to the URL when it is registered and again to every
//! address a host name resolves to when a delivery is sent (a name that
//! resolves to a private address is refused then). Redirects are not
//! followed. `EWAYBILL_WEBHOOK_ALLOW_PRIVATE=true` lifts the rule, for
//! on-premises receivers and tests.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::field_error::FieldError;

pub const MAX_URL_LEN: usize = 2048;

/// Checks a webhook URL; errors carry the field path `url`.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, FieldError> {
    let invalid = |code: &str, message: &str| FieldError::new("url", code, message);
    if raw.len() > MAX_URL_LEN {
        return Err(invalid(
            "too_long",
            &format!("at most {MAX_URL_LEN} characters"),
        ));
    }
    let url = Url::parse(raw)
        .map_err(|e| invalid("invalid_url", &format!("not an absolute URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            "unsupported_scheme",
            "the URL must be http or https",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials_in_url",
            "put no credentials in the URL; verify the service's signature instead",
        ));
    }
    if url.fragment().is_some() {
        return Err(invalid("fragment_in_url", "a webhook URL has no #fragment"));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("invalid_url", "the URL has no host"))?;
    if !allow_private {
        let blocked = match literal_address(&url) {
            Some(ip) => !is_public(ip),
            None => {
                let name = host.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost")
            }
        };
        if blocked {
            return Err(invalid(
                "address_not_allowed",
                "webhooks must point at a public address, not loopback or a private network",
            ));
        }
    }
    Ok(url)
}

/// Whether an address is globally routable (what `IpAddr::is_global`
/// will say once stable, for the ranges that matter here).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => {
            if let Some(v4) = ip.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = ip.segments()[0];
            !(ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
                || (first == 0x0064 && ip.segments()[1] == 0xff9b)) // NAT64 to anywhere
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGN)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240)
}

/// Resolves host names with the system resolver and keeps only public
/// addresses, so a name cannot smuggle a delivery into a private network.
#[derive(Debug, Default)]
pub struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let lookup = host.clone();
            let addrs: Vec<SocketAddr> =
                tokio::task::spawn_blocking(move || (lookup.as_str(), 0).to_socket_addrs())
                    .await??
                    .collect();
            let public: Vec<SocketAddr> = addrs.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// The URL's host if it is an address literal (`[...]` for IPv6).
fn literal_address(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.parse().ok()
}

/// Whether the URL's host is an address literal the policy refuses (the
/// resolver is not consulted for literals).
pub fn literal_blocked(url: &Url) -> bool {
    literal_address(url).is_some_and(|ip| !is_public(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_https_urls_pass() {
        assert!(check_url("https://erp.example.com/hooks/ewaybill?x=1", false).is_ok());
        assert!(check_url("http://93.184.216.34:8080/h", false).is_ok());
    }

    #[test]
    fn private_targets_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1/h",
            "http://localhost:9000/h",
            "http://api.localhost/h",
            "http://10.1.2.3/h",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/h",
            "http://[fd00::1]/h",
            "http://[::ffff:192.168.1.1]/h",
            "http://100.64.0.1/h",
            "http://0.0.0.0/h",
        ] {
            let e = check_url(url, false).unwrap_err();
            assert_eq!(e.code, "address_not_allowed", "{url}");
            assert!(check_url(url, true).is_ok(), "{url}");
        }
    }

    #[test]
    fn other_schemes_credentials_and_junk_are_refused() {
        let code = |u: &str| check_url(u, true).unwrap_err().code;
        assert_eq!(code("ftp://example.com/x"), "unsupported_scheme");
        assert_eq!(code("file:///etc/passwd"), "unsupported_scheme");
        assert_eq!(code("https://user:pw@example.com/"), "credentials_in_url");
        assert_eq!(code("https://example.com/#x"), "fragment_in_url");
        assert_eq!(code("not a url"), "invalid_url");
        assert_eq!(check_url("not a url", true).unwrap_err().path, "url");
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(code(&long), "too_long");
    }

    #[test]
    fn literals_are_blocked_at_send_time_too() {
        assert!(literal_blocked(&Url::parse("http://127.0.0.1:1/").unwrap()));
        assert!(!literal_blocked(
            &Url::parse("http://example.com/").unwrap()
        ));
    }
}

//! The roadside check as a small HTML page, for an officer's phone: the
//! verdict as a coloured headline, the facts below it, and a page for
//! refusals too (unknown token, rate limit), so a browser never shows a
//! bare problem document. Everything interpolated is escaped.

use super::view::{PartyFacts, RoadsideView};

/// `s` as HTML text or attribute value.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole HTML document around `body`.
fn page_html(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
<meta name=viewport content=\"width=device-width,initial-scale=1\">\
<title>{title}</title>\
<style>body{{font-family:sans-serif;margin:1em}}\
h1.ok,h1.bad{{color:#fff;padding:.4em;border-radius:.2em}}h1.ok{{background:#060}}h1.bad{{background:#a00}}\
th{{text-align:left;padding-right:1em}}</style>\
</head><body>{body}</body></html>",
        title = escape(title),
    )
}

/// The inspector's view as a page: the verdict as a coloured headline,
/// then the facts.
pub(super) fn html(view: &RoadsideView) -> String {
    let (mark, class) = if view.valid_for_transport {
        ("✔", "ok")
    } else {
        ("✘", "bad")
    };
    let detail = if view.authentic {
        "Every signature is valid and the waybill is in the signed log."
    } else {
        "The checks below failed."
    };
    let party = |role: &str, p: &PartyFacts| {
        format!(
            "<tr><th>{role}</th><td>{} ({}, {})</td></tr>",
            escape(&p.name),
            escape(&p.reg_no),
            escape(&p.country)
        )
    };
    let trailer = view
        .transport
        .trailer_plate
        .as_deref()
        .map(|t| format!(" + {}", escape(t)))
        .unwrap_or_default();
    let problems: String = view
        .checks
        .problems
        .iter()
        .map(|p| format!("<li>{}</li>", escape(p)))
        .collect();
    let body = format!(
        "<h1 class={class}>{mark} {verdict}</h1><p>{detail}</p><ul>{problems}</ul>\
<h2>Waybill {number}</h2><table>\
<tr><th>Status</th><td>{status}</td></tr><tr><th>Issued</th><td>{issue_date}</td></tr>\
{consignor}{carrier}{consignee}\
<tr><th>Vehicle</th><td>{plate}{trailer} ({country})</td></tr>\
<tr><th>Goods</th><td>{lines} line(s), {weight} kg gross{excise}</td></tr>\
</table><p><small>Checked {at}</small></p>",
        verdict = escape(&view.verdict),
        number = escape(&view.waybill.number),
        status = escape(&view.waybill.status),
        issue_date = escape(&view.waybill.issue_date),
        consignor = party("Consignor", &view.consignor),
        carrier = party("Carrier", &view.carrier),
        consignee = party("Consignee", &view.consignee),
        plate = escape(&view.transport.vehicle_plate),
        country = escape(&view.transport.vehicle_country),
        lines = view.goods.lines,
        weight = escape(&view.goods.gross_weight_kg),
        excise = if view.goods.excise {
            ", excise goods"
        } else {
            ""
        },
        at = view
            .verified_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    page_html(&format!("Waybill {}", view.waybill.number), &body)
}

/// A refusal as a page: its headline and what the officer should do.
pub(super) fn refusal(headline: &str, advice: &str) -> String {
    page_html(
        "Waybill check",
        &format!(
            "<h1 class=bad>✘ {}</h1><p>{}</p>",
            escape(headline),
            escape(advice)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes() {
        assert_eq!(
            escape("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}

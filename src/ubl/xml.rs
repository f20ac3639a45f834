//! The two halves of XML handling: a namespace-aware reader over a parsed
//! tree (roxmltree) that remembers which elements the mapping consumed, and
//! a small writer over quick-xml that escapes and indents.
//!
//! Element paths in the reader use the conventional UBL prefixes (`cac:`,
//! `cbc:`, `ext:`) whatever prefixes the input declares: matching is on the
//! namespace URI, so a document that binds `cbc` to another prefix (or uses
//! a default namespace) reads the same.

use std::collections::HashSet;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use roxmltree::{Node, NodeId};

use super::{CAC, CBC, EWB, EXT, UblError};

/// The namespace URI of a conventional prefix.
fn namespace_of(prefix: &str) -> Option<&'static str> {
    match prefix {
        "cac" => Some(CAC),
        "cbc" => Some(CBC),
        "ext" => Some(EXT),
        "ewb" => Some(EWB),
        _ => None,
    }
}

/// The conventional prefix of a namespace URI, for messages.
fn prefix_of(namespace: Option<&str>) -> Option<&'static str> {
    match namespace {
        Some(CAC) => Some("cac"),
        Some(CBC) => Some("cbc"),
        Some(EXT) => Some("ext"),
        Some(EWB) => Some("ewb"),
        _ => None,
    }
}

/// Whether `node` is the element named by `spec` (`"cac:Party"`).
fn is(node: Node<'_, '_>, spec: &str) -> bool {
    let (prefix, local) = spec.split_once(':').unwrap_or(("", spec));
    node.is_element()
        && node.tag_name().name() == local
        && node.tag_name().namespace() == namespace_of(prefix)
}

/// The element children of `node` named by `spec`, in document order.
pub(crate) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    spec: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |c| is(*c, spec))
}

/// Every element reached from `node` by a `/`-separated path of specs, in
/// document order.
pub(crate) fn find_all<'a, 'i>(node: Node<'a, 'i>, path: &str) -> Vec<Node<'a, 'i>> {
    let mut current = vec![node];
    for spec in path.split('/').filter(|s| !s.is_empty()) {
        current = current
            .into_iter()
            .flat_map(|n| n.children().filter(|c| is(*c, spec)))
            .collect();
    }
    current
}

/// The first element reached from `node` by `path`.
pub(crate) fn find<'a, 'i>(node: Node<'a, 'i>, path: &str) -> Option<Node<'a, 'i>> {
    find_all(node, path).into_iter().next()
}

/// A readable location of `node`: `/DespatchAdvice/cac:DespatchLine[2]/cbc:ID`
/// (the index appears only when the element has same-named siblings).
pub(crate) fn location(node: Node<'_, '_>) -> String {
    let mut segments = Vec::new();
    for n in node.ancestors().filter(|n| n.is_element()) {
        let name = n.tag_name();
        let mut segment = match prefix_of(name.namespace()) {
            Some(prefix) => format!("{prefix}:{}", name.name()),
            None => name.name().to_owned(),
        };
        if let Some(parent) = n.parent() {
            let same: Vec<_> = parent
                .children()
                .filter(|c| c.is_element() && c.tag_name() == name)
                .collect();
            if same.len() > 1
                && let Some(pos) = same.iter().position(|c| *c == n)
            {
                segment.push_str(&format!("[{}]", pos + 1));
            }
        }
        segments.push(segment);
    }
    segments.reverse();
    format!("/{}", segments.join("/"))
}

/// The location `path` would have below `node`, for "missing" messages.
pub(crate) fn location_below(node: Node<'_, '_>, path: &str) -> String {
    format!("{}/{path}", location(node))
}

/// Remembers which elements a mapping read, so that what it did not read
/// can be reported as not carried over.
#[derive(Default)]
pub(crate) struct Consumed(HashSet<NodeId>);

impl Consumed {
    pub(crate) fn mark(&mut self, node: Node<'_, '_>) {
        self.0.insert(node.id());
    }

    /// Marks every element below `node` (a subtree the mapping handled as a
    /// whole, e.g. our own extension).
    pub(crate) fn mark_subtree(&mut self, node: Node<'_, '_>) {
        for n in node.descendants().filter(|n| n.is_element()) {
            self.0.insert(n.id());
        }
    }

    /// The text of the first element at `path` below `node`, marked as read.
    /// Blank text counts as absent.
    pub(crate) fn text<'a>(&mut self, node: Node<'a, '_>, path: &str) -> Option<&'a str> {
        let found = find(node, path)?;
        self.mark(found);
        found.text().filter(|t| !t.trim().is_empty())
    }

    /// Leaf elements with content that were never read, by location.
    pub(crate) fn unread(&self, root: Node<'_, '_>) -> Vec<String> {
        root.descendants()
            .filter(|n| n.is_element() && !n.children().any(|c| c.is_element()))
            .filter(|n| !self.0.contains(&n.id()))
            .filter(|n| n.text().is_some_and(|t| !t.trim().is_empty()))
            .map(location)
            .collect()
    }
}

/// Checks the root element's namespace and name.
pub(crate) fn expect_root(
    root: Node<'_, '_>,
    namespace: &str,
    name: &'static str,
) -> Result<(), UblError> {
    let tag = root.tag_name();
    if tag.namespace() == Some(namespace) && tag.name() == name {
        Ok(())
    } else {
        Err(UblError::WrongRoot {
            expected: name,
            found: match tag.namespace() {
                Some(ns) => format!("{{{ns}}}{}", tag.name()),
                None => tag.name().to_owned(),
            },
        })
    }
}

/// An indenting XML writer with UBL-shaped helpers.
pub(crate) struct Out {
    writer: Writer<Vec<u8>>,
}

impl Out {
    pub(crate) fn new() -> Result<Self, UblError> {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Self { writer })
    }

    pub(crate) fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> Result<(), UblError> {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.writer.write_event(Event::Start(start))?;
        Ok(())
    }

    pub(crate) fn close(&mut self, name: &str) -> Result<(), UblError> {
        self.writer.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }

    /// `<name attrs>text</name>`, text escaped.
    pub(crate) fn leaf(
        &mut self,
        name: &str,
        attributes: &[(&str, &str)],
        text: &str,
    ) -> Result<(), UblError> {
        self.open(name, attributes)?;
        self.writer.write_event(Event::Text(BytesText::new(text)))?;
        self.close(name)
    }

    pub(crate) fn text(&mut self, name: &str, text: &str) -> Result<(), UblError> {
        self.leaf(name, &[], text)
    }

    pub(crate) fn text_opt(&mut self, name: &str, text: Option<&str>) -> Result<(), UblError> {
        match text {
            Some(text) => self.text(name, text),
            None => Ok(()),
        }
    }

    /// `<name>` ... `</name>` around whatever `inner` writes.
    pub(crate) fn nest(
        &mut self,
        name: &str,
        inner: impl FnOnce(&mut Self) -> Result<(), UblError>,
    ) -> Result<(), UblError> {
        self.open(name, &[])?;
        inner(self)?;
        self.close(name)
    }

    pub(crate) fn finish(self) -> Result<String, UblError> {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        String::from_utf8(bytes).map_err(|e| UblError::Write(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0"?>
<x:Root xmlns:x="urn:root" xmlns:a="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
        xmlns="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <a:Line><ID>1</ID></a:Line>
  <a:Line><ID>2</ID><Note>  </Note><Extra>kept?</Extra></a:Line>
</x:Root>"#;

    #[test]
    fn matches_by_namespace_not_prefix_and_locates() {
        let doc = roxmltree::Document::parse(DOC).unwrap();
        let root = doc.root_element();
        let ids: Vec<_> = find_all(root, "cac:Line/cbc:ID")
            .iter()
            .map(|n| n.text().unwrap())
            .collect();
        assert_eq!(ids, ["1", "2"]);
        assert!(find(root, "cbc:Line").is_none());
        let second = find_all(root, "cac:Line")[1];
        assert_eq!(
            location(find(second, "cbc:ID").unwrap()),
            "/Root/cac:Line[2]/cbc:ID"
        );
    }

    #[test]
    fn reports_unread_leaves_and_blank_is_absent() {
        let doc = roxmltree::Document::parse(DOC).unwrap();
        let root = doc.root_element();
        let mut consumed = Consumed::default();
        let lines = find_all(root, "cac:Line");
        assert_eq!(consumed.text(lines[0], "cbc:ID"), Some("1"));
        assert_eq!(consumed.text(lines[1], "cbc:Note"), None);
        assert_eq!(
            consumed.unread(root),
            ["/Root/cac:Line[2]/cbc:ID", "/Root/cac:Line[2]/cbc:Extra"]
        );
    }

    #[test]
    fn writer_escapes() {
        let mut out = Out::new().unwrap();
        out.nest("a", |o| o.leaf("b", &[("k", "\"<&")], "x < y & z"))
            .unwrap();
        let text = out.finish().unwrap();
        assert!(
            text.contains(r#"<b k="&quot;&lt;&amp;">x &lt; y &amp; z</b>"#),
            "{text}"
        );
        let parsed = roxmltree::Document::parse(&text).unwrap();
        assert_eq!(
            parsed.root_element().first_element_child().unwrap().text(),
            Some("x < y & z")
        );
    }
}

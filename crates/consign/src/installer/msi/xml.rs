//! Reading WiX source back (`quick-xml`): every element in document order
//! with its attributes, its extent in the text and its enclosing
//! `Component`, enough to cut elements out and turn them into table rows.

use anyhow::{anyhow, bail, Context as _, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// One element found by [`scan_xml`].
#[derive(Debug)]
pub(super) struct XmlElement {
    pub(super) name: String,
    /// Attribute names and unescaped values, in order.
    pub(super) attrs: Vec<(String, String)>,
    /// The element from its `<` to the end of its end tag (or of the tag
    /// itself, if empty).
    pub(super) span: std::ops::Range<usize>,
    /// The `Id` of the nearest enclosing `Component`.
    pub(super) component: Option<String>,
}

impl XmlElement {
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every element of `source` in document order. Comments, processing
/// instructions (preprocessor directives included), CDATA and the doctype
/// are skipped; tags must nest and attributes be quoted.
pub(super) fn scan_xml(source: &str) -> Result<Vec<XmlElement>> {
    let mut reader = Reader::from_str(source);
    reader.config_mut().check_end_names = true;
    let mut elements: Vec<XmlElement> = Vec::new();
    // Open elements, as indexes into `elements`.
    let mut open: Vec<usize> = Vec::new();
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| anyhow!("{e} (at byte {})", reader.error_position()))?;
        let end = reader.buffer_position() as usize;
        let (tag, empty) = match &event {
            Event::Start(tag) => (tag, false),
            Event::Empty(tag) => (tag, true),
            Event::End(tag) => {
                let name = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
                let index = open
                    .pop()
                    .ok_or_else(|| anyhow!("</{name}> at byte {start} closes nothing"))?;
                elements[index].span.end = end;
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let component = open
            .iter()
            .rev()
            .find(|&&index| elements[index].name == "Component")
            .and_then(|&index| elements[index].attr("Id").map(str::to_string));
        let name = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
        let attrs = attributes(tag).with_context(|| format!("in <{name}> at byte {start}"))?;
        if !empty {
            open.push(elements.len());
        }
        elements.push(XmlElement {
            name,
            attrs,
            span: start..end,
            component,
        });
    }
    if let Some(index) = open.pop() {
        bail!("<{}> is never closed", elements[index].name);
    }
    Ok(elements)
}

/// The attributes of a start tag, their values unescaped.
fn attributes(tag: &BytesStart) -> Result<Vec<(String, String)>> {
    tag.attributes()
        .map(|attr| {
            let attr = attr?;
            let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
            let raw = std::str::from_utf8(&attr.value)?;
            Ok((key, xml_unescape(raw)?))
        })
        .collect()
}

/// Resolve the five predefined entities and character references.
pub(super) fn xml_unescape(s: &str) -> Result<String> {
    quick_xml::escape::unescape(s)
        .map(|text| text.into_owned())
        .with_context(|| format!("cannot unescape `{s}`"))
}

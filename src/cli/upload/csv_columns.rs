//! The columns of the CSV upload template: each column's name, whether it
//! belongs to the document or the goods line, what its cells hold and
//! where the value goes. [`COLUMNS`] is the authority, in template order;
//! reading a CSV file and placing a problem at its column both use it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Document,
    Line,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    /// Plain decimal notation with `.`: `12.50`, `-3`.
    Decimal,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339 with an offset: `2026-11-30T06:30:00Z`, `2026-11-30T08:30:00+02:00`.
    Timestamp,
    /// A whole number >= 0.
    Count,
    Choice(&'static [&'static str]),
}

/// One column of the template.
#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub(super) level: Level,
    pub(super) kind: Kind,
    pub(super) required: bool,
    /// Where the value goes: a path in the document (document columns) or
    /// in the goods line (line columns). `references` and the computed
    /// columns are assembled by [`assemble`].
    pub(super) path: &'static str,
}

const fn col(
    name: &'static str,
    level: Level,
    kind: Kind,
    required: bool,
    path: &'static str,
) -> Column {
    Column {
        name,
        level,
        kind,
        required,
        path,
    }
}

use Kind::*;
use Level::*;

const TRANSACTION_TYPES: &[&str] = &["sale", "return", "transfer", "processing", "other"];
const EXCISE_CATEGORIES: &[&str] = &["alcohol", "tobacco", "energy"];
/// The kinds of referenced documents that have their own columns.
pub(super) const REFERENCE_KINDS: [&str; 3] = ["invoice", "order", "contract"];

/// Every column, in template order.
pub const COLUMNS: &[Column] = &[
    col("document_number", Document, Text, true, "number"),
    col("issue_date", Document, Date, true, "issue_date"),
    col(
        "transaction_type",
        Document,
        Choice(TRANSACTION_TYPES),
        true,
        "transaction_type",
    ),
    col("currency", Document, Text, true, "currency"),
    col("consignor_reg_no", Document, Text, true, "consignor.reg_no"),
    col(
        "consignor_country",
        Document,
        Text,
        true,
        "consignor.country",
    ),
    col("consignor_name", Document, Text, true, "consignor.name"),
    col(
        "consignor_address",
        Document,
        Text,
        false,
        "consignor.address",
    ),
    col("consignee_reg_no", Document, Text, true, "consignee.reg_no"),
    col(
        "consignee_country",
        Document,
        Text,
        true,
        "consignee.country",
    ),
    col("consignee_name", Document, Text, true, "consignee.name"),
    col(
        "consignee_address",
        Document,
        Text,
        false,
        "consignee.address",
    ),
    col("carrier_reg_no", Document, Text, true, "carrier.reg_no"),
    col("carrier_country", Document, Text, true, "carrier.country"),
    col("carrier_name", Document, Text, true, "carrier.name"),
    col("carrier_address", Document, Text, false, "carrier.address"),
    col(
        "loading_street",
        Document,
        Text,
        true,
        "loading.address.line",
    ),
    col("loading_city", Document, Text, true, "loading.address.city"),
    col(
        "loading_postal_code",
        Document,
        Text,
        false,
        "loading.address.postal_code",
    ),
    col(
        "loading_country",
        Document,
        Text,
        true,
        "loading.address.country",
    ),
    col(
        "loading_planned_at",
        Document,
        Timestamp,
        true,
        "loading.planned_at",
    ),
    col(
        "unloading_street",
        Document,
        Text,
        true,
        "unloading.address.line",
    ),
    col(
        "unloading_city",
        Document,
        Text,
        true,
        "unloading.address.city",
    ),
    col(
        "unloading_postal_code",
        Document,
        Text,
        false,
        "unloading.address.postal_code",
    ),
    col(
        "unloading_country",
        Document,
        Text,
        true,
        "unloading.address.country",
    ),
    col(
        "unloading_planned_at",
        Document,
        Timestamp,
        true,
        "unloading.planned_at",
    ),
    col(
        "vehicle_plate",
        Document,
        Text,
        true,
        "transport.vehicle_plate",
    ),
    col(
        "trailer_plate",
        Document,
        Text,
        false,
        "transport.trailer_plate",
    ),
    col(
        "vehicle_country",
        Document,
        Text,
        true,
        "transport.vehicle_country",
    ),
    col(
        "driver_name",
        Document,
        Text,
        false,
        "transport.driver_name",
    ),
    col(
        "invoice_number",
        Document,
        Text,
        false,
        "references.invoice.number",
    ),
    col(
        "invoice_date",
        Document,
        Date,
        false,
        "references.invoice.date",
    ),
    col(
        "order_number",
        Document,
        Text,
        false,
        "references.order.number",
    ),
    col("order_date", Document, Date, false, "references.order.date"),
    col(
        "contract_number",
        Document,
        Text,
        false,
        "references.contract.number",
    ),
    col(
        "contract_date",
        Document,
        Date,
        false,
        "references.contract.date",
    ),
    col("notes", Document, Text, false, "notes"),
    col(
        "total_net_amount",
        Document,
        Decimal,
        false,
        "totals.net_amount",
    ),
    col(
        "total_vat_amount",
        Document,
        Decimal,
        false,
        "totals.vat_amount",
    ),
    col(
        "total_gross_amount",
        Document,
        Decimal,
        false,
        "totals.gross_amount",
    ),
    col(
        "total_gross_weight_kg",
        Document,
        Decimal,
        false,
        "totals.gross_weight_kg",
    ),
    col("line_no", Line, Count, false, "line_no"),
    col("description", Line, Text, true, "description"),
    col("cn_code", Line, Text, false, "cn_code"),
    col("quantity", Line, Decimal, true, "quantity"),
    col("unit", Line, Text, true, "unit"),
    col("gross_weight_kg", Line, Decimal, true, "gross_weight_kg"),
    col("net_weight_kg", Line, Decimal, false, "net_weight_kg"),
    col("unit_price", Line, Decimal, true, "unit_price"),
    col("vat_rate", Line, Decimal, true, "vat_rate"),
    col("amount", Line, Decimal, false, "amount"),
    col("packages", Line, Count, false, "packages"),
    col(
        "excise_category",
        Line,
        Choice(EXCISE_CATEGORIES),
        false,
        "excise_category",
    ),
    col(
        "dangerous_goods_un",
        Line,
        Text,
        false,
        "dangerous_goods_un",
    ),
];

/// The template's header line.
pub fn header() -> String {
    COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
}

/// Position of a column in the template, for listing problems in order.
pub fn column_order(name: &str) -> usize {
    COLUMNS
        .iter()
        .position(|c| c.name == name)
        .unwrap_or(COLUMNS.len())
}

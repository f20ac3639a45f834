//! Every word the printable waybill prints, in English and Latvian: the
//! one translation table of the PDF. A label is added to [`Labels`] and to
//! both tables ([`EN`], [`LV`]); the names of statuses, acts, roles and the
//! document's enumerations are the `match`es below, so the compiler asks
//! for both languages of every new variant.

use crate::domain::document::{ExciseCategory, ReferenceKind, TransactionType};
use crate::domain::lifecycle::{ActType, Status};
use crate::domain::party::Role;

/// The language a waybill is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Lv,
}

impl Lang {
    /// Its BCP 47 tag (the PDF's document language, `Content-Language`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Lv => "lv",
        }
    }

    /// The language with this tag (`en`, `lv`), if it is one.
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "en" => Some(Lang::En),
            "lv" => Some(Lang::Lv),
            _ => None,
        }
    }

    /// The labels of this language.
    pub fn labels(self) -> &'static Labels {
        match self {
            Lang::En => &EN,
            Lang::Lv => &LV,
        }
    }
}

/// The fixed words of the page, one field per label.
#[derive(Debug)]
pub struct Labels {
    pub title: &'static str,
    pub number: &'static str,
    pub waybill_id: &'static str,
    pub issue_date: &'static str,
    pub transaction_type: &'static str,
    pub status: &'static str,
    pub version: &'static str,
    pub issued_at: &'static str,
    pub updated_at: &'static str,
    pub parties: &'static str,
    pub name: &'static str,
    pub reg_no: &'static str,
    pub country: &'static str,
    pub address: &'static str,
    pub loading: &'static str,
    pub unloading: &'static str,
    pub postal_code: &'static str,
    pub planned_at: &'static str,
    pub transport: &'static str,
    pub transport_as_issued: &'static str,
    pub transport_now: &'static str,
    pub vehicle_plate: &'static str,
    pub trailer_plate: &'static str,
    pub vehicle_country: &'static str,
    pub driver: &'static str,
    pub goods: &'static str,
    pub line_no: &'static str,
    pub description: &'static str,
    pub cn_code: &'static str,
    pub quantity: &'static str,
    pub packages: &'static str,
    pub gross_weight_kg: &'static str,
    pub net_weight_kg: &'static str,
    pub unit_price: &'static str,
    pub vat_rate: &'static str,
    pub amount: &'static str,
    pub excise: &'static str,
    pub dangerous_goods_un: &'static str,
    pub totals: &'static str,
    pub currency: &'static str,
    pub net_amount: &'static str,
    pub vat_amount: &'static str,
    pub gross_amount: &'static str,
    pub total_gross_weight: &'static str,
    pub references: &'static str,
    pub notes: &'static str,
    pub state: &'static str,
    pub reservations: &'static str,
    pub whole_consignment: &'static str,
    pub receipt: &'static str,
    pub shipped: &'static str,
    pub received: &'static str,
    pub shortfall: &'static str,
    pub reason: &'static str,
    pub corrections: &'static str,
    pub vehicle_changes: &'static str,
    pub history: &'static str,
    pub log_index: &'static str,
    pub act: &'static str,
    pub signed_by: &'static str,
    pub signed_at: &'static str,
    pub received_at: &'static str,
    pub key_id: &'static str,
    pub log_receipt: &'static str,
    pub receipt_explained: &'static str,
    pub latest_event: &'static str,
    pub tree_size: &'static str,
    pub checkpoint: &'static str,
    pub qr_caption: &'static str,
    pub printed_at: &'static str,
    pub page: &'static str,
    pub none: &'static str,
}

/// English.
pub const EN: Labels = Labels {
    title: "Electronic consignment note (e-waybill)",
    number: "Document number",
    waybill_id: "Waybill id",
    issue_date: "Issue date",
    transaction_type: "Transaction type",
    status: "Current status",
    version: "Version",
    issued_at: "Issued at",
    updated_at: "Last changed at",
    parties: "Parties",
    name: "Name",
    reg_no: "Registration no.",
    country: "Country",
    address: "Address",
    loading: "Place of loading",
    unloading: "Place of unloading",
    postal_code: "Postal code",
    planned_at: "Planned at",
    transport: "Transport",
    transport_as_issued: "As issued",
    transport_now: "Now (after a vehicle change)",
    vehicle_plate: "Vehicle",
    trailer_plate: "Trailer",
    vehicle_country: "Vehicle country",
    driver: "Driver",
    goods: "Goods",
    line_no: "No.",
    description: "Description",
    cn_code: "CN code",
    quantity: "Quantity",
    packages: "Packages",
    gross_weight_kg: "Gross kg",
    net_weight_kg: "Net kg",
    unit_price: "Unit price",
    vat_rate: "VAT %",
    amount: "Amount",
    excise: "Excise goods",
    dangerous_goods_un: "Dangerous goods UN",
    totals: "Totals",
    currency: "Currency",
    net_amount: "Net amount",
    vat_amount: "VAT",
    gross_amount: "Gross amount",
    total_gross_weight: "Gross weight, kg",
    references: "Referenced documents",
    notes: "Notes",
    state: "State of the waybill",
    reservations: "Carrier's reservations",
    whole_consignment: "whole consignment",
    receipt: "Consignee's receipt",
    shipped: "shipped",
    received: "received",
    shortfall: "shortfall",
    reason: "Reason",
    corrections: "Corrections",
    vehicle_changes: "Vehicle changes",
    history: "Signed history",
    log_index: "Log index",
    act: "Act",
    signed_by: "Signed by",
    signed_at: "Signed at",
    received_at: "Received at",
    key_id: "Key id",
    log_receipt: "Log receipt",
    receipt_explained: "The latest act is entry {index} of the public log; the checkpoint below, signed by the service, commits to it.",
    latest_event: "Latest act's log index",
    tree_size: "Checkpoint tree size",
    checkpoint: "Checkpoint",
    qr_caption: "Scan to check online",
    printed_at: "Printed at",
    page: "Page",
    none: "none",
};

/// Latvian.
pub const LV: Labels = Labels {
    title: "Elektroniskā preču pavadzīme (e-pavadzīme)",
    number: "Dokumenta numurs",
    waybill_id: "Pavadzīmes identifikators",
    issue_date: "Izrakstīšanas datums",
    transaction_type: "Darījuma veids",
    status: "Pašreizējais statuss",
    version: "Versija",
    issued_at: "Izrakstīta",
    updated_at: "Pēdējās izmaiņas",
    parties: "Puses",
    name: "Nosaukums",
    reg_no: "Reģistrācijas Nr.",
    country: "Valsts",
    address: "Adrese",
    loading: "Iekraušanas vieta",
    unloading: "Izkraušanas vieta",
    postal_code: "Pasta indekss",
    planned_at: "Plānotais laiks",
    transport: "Transports",
    transport_as_issued: "Izrakstot",
    transport_now: "Pašlaik (pēc transportlīdzekļa maiņas)",
    vehicle_plate: "Transportlīdzeklis",
    trailer_plate: "Piekabe",
    vehicle_country: "Reģistrācijas valsts",
    driver: "Vadītājs",
    goods: "Preces",
    line_no: "Nr.",
    description: "Apraksts",
    cn_code: "KN kods",
    quantity: "Daudzums",
    packages: "Iepakojumi",
    gross_weight_kg: "Bruto kg",
    net_weight_kg: "Neto kg",
    unit_price: "Cena par vienību",
    vat_rate: "PVN %",
    amount: "Summa",
    excise: "Akcīzes preces",
    dangerous_goods_un: "Bīstamās kravas ANO Nr.",
    totals: "Kopā",
    currency: "Valūta",
    net_amount: "Summa bez PVN",
    vat_amount: "PVN",
    gross_amount: "Summa ar PVN",
    total_gross_weight: "Bruto svars, kg",
    references: "Saistītie dokumenti",
    notes: "Piezīmes",
    state: "Pavadzīmes stāvoklis",
    reservations: "Pārvadātāja iebildumi",
    whole_consignment: "visa krava",
    receipt: "Saņēmēja pieņemšana",
    shipped: "nosūtīts",
    received: "saņemts",
    shortfall: "iztrūkums",
    reason: "Iemesls",
    corrections: "Labojumi",
    vehicle_changes: "Transportlīdzekļa maiņas",
    history: "Parakstītā vēsture",
    log_index: "Žurnāla Nr.",
    act: "Darbība",
    signed_by: "Parakstīja",
    signed_at: "Parakstīts",
    received_at: "Saņemts",
    key_id: "Atslēgas identifikators",
    log_receipt: "Žurnāla kvīts",
    receipt_explained: "Pēdējā darbība ir publiskā žurnāla ieraksts Nr. {index}; zemāk redzamais servisa parakstītais kontrolpunkts to ietver.",
    latest_event: "Pēdējās darbības žurnāla Nr.",
    tree_size: "Kontrolpunkta koka izmērs",
    checkpoint: "Kontrolpunkts",
    qr_caption: "Skenējiet, lai pārbaudītu tiešsaistē",
    printed_at: "Izdrukāts",
    page: "Lapa",
    none: "nav",
};

/// The name of a status.
pub fn status(lang: Lang, status: Status) -> &'static str {
    match (lang, status) {
        (Lang::En, Status::Issued) => "Issued",
        (Lang::En, Status::Declined) => "Declined by the carrier",
        (Lang::En, Status::Cancelled) => "Cancelled",
        (Lang::En, Status::InTransit) => "In transit",
        (Lang::En, Status::Delivered) => "Delivered",
        (Lang::En, Status::PartiallyAccepted) => "Partially accepted",
        (Lang::En, Status::Rejected) => "Rejected by the consignee",
        (Lang::Lv, Status::Issued) => "Izrakstīta",
        (Lang::Lv, Status::Declined) => "Pārvadātājs atteicās",
        (Lang::Lv, Status::Cancelled) => "Anulēta",
        (Lang::Lv, Status::InTransit) => "Ceļā",
        (Lang::Lv, Status::Delivered) => "Piegādāta",
        (Lang::Lv, Status::PartiallyAccepted) => "Daļēji pieņemta",
        (Lang::Lv, Status::Rejected) => "Saņēmējs noraidīja",
    }
}

/// The name of an act.
pub fn act(lang: Lang, act: ActType) -> &'static str {
    match (lang, act) {
        (Lang::En, ActType::ConsignorIssue) => "Issued",
        (Lang::En, ActType::ConsignorCorrect) => "Corrected",
        (Lang::En, ActType::ConsignorCancel) => "Cancelled",
        (Lang::En, ActType::CarrierAccept) => "Transport accepted",
        (Lang::En, ActType::CarrierDecline) => "Transport declined",
        (Lang::En, ActType::CarrierChangeVehicle) => "Vehicle changed",
        (Lang::En, ActType::ConsigneeAccept) => "Goods accepted",
        (Lang::En, ActType::ConsigneeReject) => "Goods rejected",
        (Lang::Lv, ActType::ConsignorIssue) => "Izrakstīta",
        (Lang::Lv, ActType::ConsignorCorrect) => "Labota",
        (Lang::Lv, ActType::ConsignorCancel) => "Anulēta",
        (Lang::Lv, ActType::CarrierAccept) => "Pārvadājums pieņemts",
        (Lang::Lv, ActType::CarrierDecline) => "Pārvadājums atteikts",
        (Lang::Lv, ActType::CarrierChangeVehicle) => "Transportlīdzeklis mainīts",
        (Lang::Lv, ActType::ConsigneeAccept) => "Preces pieņemtas",
        (Lang::Lv, ActType::ConsigneeReject) => "Preces noraidītas",
    }
}

/// The name of a party's role on the waybill.
pub fn role(lang: Lang, role: Role) -> &'static str {
    match (lang, role) {
        (Lang::En, Role::Consignor) => "Consignor",
        (Lang::En, Role::Consignee) => "Consignee",
        (Lang::En, Role::Carrier) => "Carrier",
        (Lang::Lv, Role::Consignor) => "Nosūtītājs",
        (Lang::Lv, Role::Consignee) => "Saņēmējs",
        (Lang::Lv, Role::Carrier) => "Pārvadātājs",
    }
}

/// The name of a transaction type.
pub fn transaction_type(lang: Lang, kind: TransactionType) -> &'static str {
    match (lang, kind) {
        (Lang::En, TransactionType::Sale) => "Sale",
        (Lang::En, TransactionType::Return) => "Return",
        (Lang::En, TransactionType::Transfer) => "Transfer",
        (Lang::En, TransactionType::Processing) => "Processing",
        (Lang::En, TransactionType::Other) => "Other",
        (Lang::Lv, TransactionType::Sale) => "Pārdošana",
        (Lang::Lv, TransactionType::Return) => "Atpakaļnosūtīšana",
        (Lang::Lv, TransactionType::Transfer) => "Pārvietošana",
        (Lang::Lv, TransactionType::Processing) => "Pārstrāde",
        (Lang::Lv, TransactionType::Other) => "Cits",
    }
}

/// The name of an excise category.
pub fn excise(lang: Lang, category: ExciseCategory) -> &'static str {
    match (lang, category) {
        (Lang::En, ExciseCategory::Alcohol) => "alcohol",
        (Lang::En, ExciseCategory::Tobacco) => "tobacco",
        (Lang::En, ExciseCategory::Energy) => "energy products",
        (Lang::Lv, ExciseCategory::Alcohol) => "alkohols",
        (Lang::Lv, ExciseCategory::Tobacco) => "tabaka",
        (Lang::Lv, ExciseCategory::Energy) => "energoprodukti",
    }
}

/// The name of a referenced document's kind.
pub fn reference(lang: Lang, kind: ReferenceKind) -> &'static str {
    match (lang, kind) {
        (Lang::En, ReferenceKind::Invoice) => "Invoice",
        (Lang::En, ReferenceKind::Order) => "Order",
        (Lang::En, ReferenceKind::Contract) => "Contract",
        (Lang::Lv, ReferenceKind::Invoice) => "Rēķins",
        (Lang::Lv, ReferenceKind::Order) => "Pasūtījums",
        (Lang::Lv, ReferenceKind::Contract) => "Līgums",
    }
}

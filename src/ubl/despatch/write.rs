//! Our document written as a DespatchAdvice, in UBL 2.1 schema order.

use uuid::Uuid;

use super::*;
use crate::domain::document::{Address, GoodsLine, PartyRef, WaybillDocument};
use crate::ubl::values::date_and_time;
use crate::ubl::xml::Out;
use crate::ubl::{CAC, CBC, CUSTOMIZATION_ID, DESPATCH_ADVICE, EWB, EXT, UblError};

/// Writes `document` as a UBL 2.1 DespatchAdvice. `uuid` (the waybill id,
/// when there is one) becomes `cbc:UUID`.
pub fn despatch_advice(document: &WaybillDocument, uuid: Option<Uuid>) -> Result<String, UblError> {
    let d = document;
    let currency = d.currency.as_str();
    let money = [("currencyID", currency)];
    let mut o = Out::new()?;
    o.open(
        "DespatchAdvice",
        &[
            ("xmlns", DESPATCH_ADVICE),
            ("xmlns:cac", CAC),
            ("xmlns:cbc", CBC),
            ("xmlns:ext", EXT),
            ("xmlns:ewb", EWB),
        ],
    )?;
    o.nest("ext:UBLExtensions", |o| {
        o.nest("ext:UBLExtension", |o| {
            o.text("ext:ExtensionURI", TOTALS_EXTENSION)?;
            o.nest("ext:ExtensionContent", |o| {
                o.nest("ewb:WaybillTotals", |o| {
                    o.leaf("ewb:NetAmount", &money, &d.totals.net_amount.to_string())?;
                    o.leaf("ewb:VatAmount", &money, &d.totals.vat_amount.to_string())?;
                    o.leaf(
                        "ewb:GrossAmount",
                        &money,
                        &d.totals.gross_amount.to_string(),
                    )
                })
            })
        })
    })?;
    o.text("cbc:UBLVersionID", "2.1")?;
    o.text("cbc:CustomizationID", CUSTOMIZATION_ID)?;
    o.text("cbc:ID", &d.number)?;
    if let Some(uuid) = uuid {
        o.text("cbc:UUID", &uuid.to_string())?;
    }
    o.text(
        "cbc:IssueDate",
        &d.issue_date.format("%Y-%m-%d").to_string(),
    )?;
    o.leaf(
        "cbc:DespatchAdviceTypeCode",
        &[("listID", TRANSACTION_TYPE_LIST)],
        &snake(d.transaction_type),
    )?;
    o.text_opt("cbc:Note", d.notes.as_deref())?;
    for reference in &d.references {
        o.nest("cac:AdditionalDocumentReference", |o| {
            o.text("cbc:ID", &reference.number)?;
            if let Some(date) = reference.date {
                o.text("cbc:IssueDate", &date.format("%Y-%m-%d").to_string())?;
            }
            o.leaf(
                "cbc:DocumentTypeCode",
                &[("listID", "UNCL1001")],
                reference_code(reference.kind),
            )
        })?;
    }
    o.nest("cac:DespatchSupplierParty", |o| party(o, &d.consignor))?;
    o.nest("cac:DeliveryCustomerParty", |o| party(o, &d.consignee))?;
    o.nest("cac:Shipment", |o| {
        o.text("cbc:ID", &d.number)?;
        o.leaf(
            "cbc:GrossWeightMeasure",
            &[("unitCode", "KGM")],
            &d.totals.gross_weight_kg.to_string(),
        )?;
        o.nest("cac:Consignment", |o| {
            o.text("cbc:ID", &d.number)?;
            // A carrier party is itself a PartyType: no cac:Party wrapper.
            o.nest("cac:CarrierParty", |o| party_content(o, &d.carrier))
        })?;
        o.nest("cac:ShipmentStage", |o| {
            o.text("cbc:ID", "1")?;
            // UN/ECE Recommendation 19: 3 = road transport.
            o.leaf("cbc:TransportModeCode", &[("listID", "UN/ECE 19")], "3")?;
            o.nest("cac:TransportMeans", |o| {
                o.text(
                    "cbc:RegistrationNationalityID",
                    &d.transport.vehicle_country,
                )?;
                o.nest("cac:RoadTransport", |o| {
                    o.text("cbc:LicensePlateID", &d.transport.vehicle_plate)
                })
            })?;
            if let Some(driver) = &d.transport.driver_name {
                let (first, family) = driver.split_once(' ').unwrap_or((driver, ""));
                o.nest("cac:DriverPerson", |o| {
                    o.text("cbc:FirstName", first)?;
                    if !family.is_empty() {
                        o.text("cbc:FamilyName", family)?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
        o.nest("cac:Delivery", |o| {
            o.nest("cac:DeliveryAddress", |o| address(o, &d.unloading.address))?;
            let (date, time) = date_and_time(d.unloading.planned_at);
            o.nest("cac:EstimatedDeliveryPeriod", |o| {
                o.text("cbc:StartDate", &date)?;
                o.text("cbc:StartTime", &time)
            })?;
            o.nest("cac:Despatch", |o| {
                let (date, time) = date_and_time(d.loading.planned_at);
                o.text("cbc:EstimatedDespatchDate", &date)?;
                o.text("cbc:EstimatedDespatchTime", &time)?;
                o.nest("cac:DespatchAddress", |o| address(o, &d.loading.address))
            })
        })?;
        if let Some(trailer) = &d.transport.trailer_plate {
            o.nest("cac:TransportHandlingUnit", |o| {
                o.nest("cac:TransportEquipment", |o| {
                    o.text("cbc:ID", trailer)?;
                    // UN/CEFACT 8053 equipment type: TE = trailer.
                    o.leaf(
                        "cbc:TransportEquipmentTypeCode",
                        &[("listID", "UNCL8053")],
                        "TE",
                    )
                })
            })?;
        }
        Ok(())
    })?;
    for line in &d.lines {
        o.nest("cac:DespatchLine", |o| despatch_line(o, line, currency))?;
    }
    o.close("DespatchAdvice")?;
    o.finish()
}

fn despatch_line(o: &mut Out, line: &GoodsLine, currency: &str) -> Result<(), UblError> {
    let line_no = line.line_no.to_string();
    o.text("cbc:ID", &line_no)?;
    o.leaf(
        "cbc:DeliveredQuantity",
        &[("unitCode", line.unit.as_str())],
        &line.quantity.to_string(),
    )?;
    // The schema requires an order line reference; ours is the line itself.
    o.nest("cac:OrderLineReference", |o| o.text("cbc:LineID", &line_no))?;
    o.nest("cac:Item", |o| {
        o.text("cbc:Description", &line.description)?;
        o.text("cbc:Name", &line.description)?;
        if line.dangerous_goods_un.is_some() {
            o.text("cbc:HazardousRiskIndicator", "true")?;
        }
        if let Some(cn) = &line.cn_code {
            o.nest("cac:CommodityClassification", |o| {
                o.leaf(
                    "cbc:ItemClassificationCode",
                    &[("listID", CN_LIST), ("listName", "Combined Nomenclature")],
                    cn,
                )
            })?;
        }
        if let Some(un) = &line.dangerous_goods_un {
            o.nest("cac:HazardousItem", |o| o.text("cbc:UNDGCode", un))?;
        }
        o.nest("cac:ClassifiedTaxCategory", |o| {
            o.text("cbc:Percent", &line.vat_rate.to_string())?;
            o.nest("cac:TaxScheme", |o| o.text("cbc:ID", "VAT"))
        })?;
        if let Some(excise) = line.excise_category {
            o.nest("cac:ClassifiedTaxCategory", |o| {
                o.leaf("cbc:ID", &[("schemeID", EXCISE_SCHEME)], &snake(excise))?;
                // UN/CEFACT 5153 duty/tax/fee type: EXC = excise duty.
                o.nest("cac:TaxScheme", |o| o.text("cbc:ID", "EXC"))
            })?;
        }
        property(o, UNIT_PRICE, &line.unit_price.to_string(), Some(currency))?;
        property(o, LINE_AMOUNT, &line.amount.to_string(), Some(currency))?;
        if let Some(packages) = line.packages {
            property(o, PACKAGE_COUNT, &packages.to_string(), None)?;
        }
        Ok(())
    })?;
    o.nest("cac:Shipment", |o| {
        o.text("cbc:ID", &line_no)?;
        o.leaf(
            "cbc:GrossWeightMeasure",
            &[("unitCode", "KGM")],
            &line.gross_weight_kg.to_string(),
        )?;
        if let Some(net) = line.net_weight_kg {
            o.leaf(
                "cbc:NetWeightMeasure",
                &[("unitCode", "KGM")],
                &net.to_string(),
            )?;
        }
        Ok(())
    })
}

fn property(o: &mut Out, name: &str, value: &str, qualifier: Option<&str>) -> Result<(), UblError> {
    o.nest("cac:AdditionalItemProperty", |o| {
        o.text("cbc:Name", name)?;
        o.leaf("cbc:NameCode", &[("listID", PROPERTY_LIST)], name)?;
        o.text("cbc:Value", value)?;
        o.text_opt("cbc:ValueQualifier", qualifier)
    })
}

/// A party as `cac:Party` (also used by the ReceiptAdvice).
pub(in crate::ubl) fn party(o: &mut Out, p: &PartyRef) -> Result<(), UblError> {
    o.nest("cac:Party", |o| party_content(o, p))
}

fn party_content(o: &mut Out, p: &PartyRef) -> Result<(), UblError> {
    o.nest("cac:PartyName", |o| o.text("cbc:Name", &p.name))?;
    o.nest("cac:PostalAddress", |o| {
        if let Some(address) = &p.address {
            o.nest("cac:AddressLine", |o| o.text("cbc:Line", address))?;
        }
        o.nest("cac:Country", |o| {
            o.text("cbc:IdentificationCode", &p.country)
        })
    })?;
    o.nest("cac:PartyLegalEntity", |o| {
        o.text("cbc:RegistrationName", &p.name)?;
        o.text("cbc:CompanyID", &p.reg_no)?;
        o.nest("cac:RegistrationAddress", |o| {
            o.nest("cac:Country", |o| {
                o.text("cbc:IdentificationCode", &p.country)
            })
        })
    })
}

fn address(o: &mut Out, a: &Address) -> Result<(), UblError> {
    o.text("cbc:StreetName", &a.line)?;
    o.text("cbc:CityName", &a.city)?;
    o.text_opt("cbc:PostalZone", a.postal_code.as_deref())?;
    o.nest("cac:Country", |o| {
        o.text("cbc:IdentificationCode", &a.country)
    })
}

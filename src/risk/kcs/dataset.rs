//! Loading the KCS synthetic import declarations
//! (`df_syn_{train,valid,test}_eng.csv`).

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

/// One import declaration as it appears in the KCS CSV files.
#[derive(Debug, Clone, Deserialize)]
pub struct Declaration {
    #[serde(rename = "Declaration ID")]
    pub id: String,
    /// `YYYY-MM-DD`.
    #[serde(rename = "Date")]
    pub date: String,
    #[serde(rename = "Office ID")]
    pub office: String,
    #[serde(rename = "Process Type")]
    pub process_type: String,
    #[serde(rename = "Import Type")]
    pub import_type: String,
    #[serde(rename = "Import Use")]
    pub import_use: String,
    #[serde(rename = "Payment Type")]
    pub payment_type: String,
    #[serde(rename = "Mode of Transport")]
    pub transport: String,
    #[serde(rename = "Declarant ID")]
    pub declarant: String,
    #[serde(rename = "Importer ID")]
    pub importer: String,
    #[serde(rename = "Seller ID")]
    pub seller: String,
    #[serde(rename = "Courier ID")]
    pub courier: String,
    #[serde(rename = "HS6 Code")]
    pub hs6: String,
    #[serde(rename = "Country of Departure")]
    pub departure: String,
    #[serde(rename = "Country of Origin")]
    pub origin: String,
    #[serde(rename = "Tax Rate")]
    pub tax_rate: f64,
    #[serde(rename = "Tax Type")]
    pub tax_type: String,
    #[serde(rename = "Country of Origin Indicator")]
    pub origin_indicator: String,
    #[serde(rename = "Net Mass")]
    pub net_mass: f64,
    #[serde(rename = "Item Price")]
    pub item_price: f64,
    #[serde(rename = "Fraud")]
    pub fraud: u8,
    #[serde(rename = "Critical Fraud")]
    pub critical_fraud: u8,
}

impl Declaration {
    pub fn is_fraud(&self) -> bool {
        self.fraud != 0
    }

    /// HS code prefix of `digits` digits (HS6 codes are zero-padded to 6).
    pub fn hs_prefix(&self, digits: usize) -> String {
        let padded = format!("{:0>6}", self.hs6);
        padded.chars().take(digits).collect()
    }
}

/// The three time-ordered splits.
#[derive(Debug, Clone)]
pub struct KcsSplits {
    pub train: Vec<Declaration>,
    pub valid: Vec<Declaration>,
    pub test: Vec<Declaration>,
}

/// Read one CSV file of declarations.
pub fn load_csv(path: &Path) -> anyhow::Result<Vec<Declaration>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let mut rows = Vec::new();
    for (i, rec) in reader.deserialize().enumerate() {
        let rec: Declaration =
            rec.with_context(|| format!("{}: data row {}", path.display(), i + 1))?;
        rows.push(rec);
    }
    Ok(rows)
}

/// Read `df_syn_{train,valid,test}_eng.csv` from `dir`.
pub fn load_kcs(dir: &Path) -> anyhow::Result<KcsSplits> {
    Ok(KcsSplits {
        train: load_csv(&dir.join("df_syn_train_eng.csv"))?,
        valid: load_csv(&dir.join("df_syn_valid_eng.csv"))?,
        test: load_csv(&dir.join("df_syn_test_eng.csv"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const HEADER: &str = "Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,Tax Rate,Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud";

    #[test]
    fn parses_kcs_rows() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "{HEADER}").unwrap();
        writeln!(f, "97061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,440890,BE,BE,0.0,FEU1,G,108.0,372254.4,0,0").unwrap();
        writeln!(
            f,
            "1,2020-02-03,40,B,11,21,11,40,D,I,S,C1,40110,CN,CN,8.0,A,Y,11352.0,375751.2,1,2"
        )
        .unwrap();
        let rows = load_csv(f.path()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].importer, "QLRUBN9");
        assert_eq!(rows[0].courier, "");
        assert!(!rows[0].is_fraud());
        assert!(rows[1].is_fraud());
        assert_eq!(rows[1].critical_fraud, 2);
        assert_eq!(rows[1].hs_prefix(4), "0401");
        assert_eq!(rows[0].hs_prefix(2), "44");
        assert_eq!(rows[0].item_price, 372254.4);
    }
}

//! The generator's world: goods with their typical prices and loads, and
//! the towns trucks drive between. Prices are rough 2025 wholesale levels;
//! what matters for the risk model is their spread, not their exactness.

use crate::domain::document::ExciseCategory;

pub struct Goods {
    pub cn_code: &'static str,
    pub description: &'static str,
    pub unit: &'static str,
    /// kg per unit of `unit`.
    pub kg_per_unit: f64,
    /// Median price per kg (EUR) and the spread of ln(price) among honest
    /// traders.
    pub eur_per_kg: f64,
    pub price_sigma: f64,
    /// Typical net kg per line: median and spread of ln(kg).
    pub line_kg: f64,
    pub kg_sigma: f64,
    pub vat_rate: u32,
    pub excise: Option<ExciseCategory>,
    pub dangerous_un: Option<&'static str>,
    /// How common the goods are among shippers (relative).
    pub share: f64,
}

const fn goods(
    cn_code: &'static str,
    description: &'static str,
    unit: &'static str,
    kg_per_unit: f64,
    eur_per_kg: f64,
    line_kg: f64,
    share: f64,
) -> Goods {
    Goods {
        cn_code,
        description,
        unit,
        kg_per_unit,
        eur_per_kg,
        price_sigma: 0.25,
        line_kg,
        kg_sigma: 0.6,
        vat_rate: 21,
        excise: None,
        dangerous_un: None,
        share,
    }
}

const fn excise(mut g: Goods, category: ExciseCategory) -> Goods {
    g.excise = Some(category);
    g
}

const fn dangerous(mut g: Goods, un: &'static str) -> Goods {
    g.dangerous_un = Some(un);
    g
}

pub const CATALOG: &[Goods] = &[
    excise(
        goods(
            "22030001",
            "Lager beer in 0.5 l bottles",
            "LTR",
            1.3,
            1.6,
            4000.0,
            4.0,
        ),
        ExciseCategory::Alcohol,
    ),
    excise(
        goods(
            "22042109",
            "Red wine in 0.75 l bottles",
            "LTR",
            1.4,
            4.5,
            1500.0,
            2.0,
        ),
        ExciseCategory::Alcohol,
    ),
    excise(
        goods(
            "22086011",
            "Vodka 40% vol in 0.5 l bottles",
            "LTR",
            1.5,
            7.0,
            1200.0,
            1.5,
        ),
        ExciseCategory::Alcohol,
    ),
    excise(
        goods(
            "24022090",
            "Cigarettes, cartons of 200",
            "C62",
            0.25,
            180.0,
            300.0,
            0.8,
        ),
        ExciseCategory::Tobacco,
    ),
    excise(
        dangerous(
            goods(
                "27101943",
                "Diesel fuel EN 590",
                "LTR",
                0.835,
                1.35,
                15000.0,
                2.5,
            ),
            "1202",
        ),
        ExciseCategory::Energy,
    ),
    excise(
        dangerous(
            goods(
                "27101245",
                "Unleaded petrol 95 E10",
                "LTR",
                0.745,
                1.6,
                9000.0,
                1.5,
            ),
            "1203",
        ),
        ExciseCategory::Energy,
    ),
    goods(
        "44071190",
        "Sawn spruce boards",
        "MTQ",
        450.0,
        0.45,
        12000.0,
        5.0,
    ),
    goods(
        "44031100",
        "Pine roundwood",
        "MTQ",
        800.0,
        0.09,
        20000.0,
        2.0,
    ),
    goods(
        "94036010",
        "Wooden dining furniture",
        "C62",
        35.0,
        6.0,
        1500.0,
        3.0,
    ),
    goods(
        "02071410",
        "Frozen chicken parts",
        "KGM",
        1.0,
        3.2,
        5000.0,
        2.5,
    ),
    goods(
        "04012091",
        "Fresh milk 2.5% fat",
        "LTR",
        1.03,
        0.75,
        8000.0,
        3.0,
    ),
    goods(
        "19059080",
        "Bread and bakery products",
        "KGM",
        1.0,
        2.8,
        1500.0,
        4.0,
    ),
    goods("10019900", "Milling wheat", "KGM", 1.0, 0.22, 24000.0, 2.0),
    goods("85171300", "Smartphones", "C62", 0.4, 900.0, 200.0, 0.8),
    goods(
        "84713000",
        "Laptop computers",
        "C62",
        2.5,
        260.0,
        400.0,
        0.8,
    ),
    goods(
        "30049000",
        "Packaged medicaments",
        "KGM",
        1.0,
        40.0,
        300.0,
        1.0,
    ),
    goods("64039993", "Leather footwear", "PR", 1.1, 30.0, 600.0, 1.0),
    goods(
        "39232100",
        "Polyethylene bags",
        "KGM",
        1.0,
        2.4,
        2500.0,
        2.0,
    ),
    goods(
        "73089098",
        "Steel structures",
        "KGM",
        1.0,
        2.1,
        10000.0,
        2.0,
    ),
    goods(
        "87089997",
        "Motor vehicle parts",
        "KGM",
        1.0,
        14.0,
        1200.0,
        2.0,
    ),
    goods(
        "31021010",
        "Urea fertiliser",
        "KGM",
        1.0,
        0.45,
        20000.0,
        1.0,
    ),
    goods("17019910", "White sugar", "KGM", 1.0, 0.75, 12000.0, 1.0),
];

/// Towns with coordinates (degrees), so transit times follow distances.
pub struct Town {
    pub name: &'static str,
    pub country: &'static str,
    pub postal: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// Relative number of companies.
    pub weight: f64,
}

const fn town(
    name: &'static str,
    country: &'static str,
    postal: &'static str,
    lat: f64,
    lon: f64,
    weight: f64,
) -> Town {
    Town {
        name,
        country,
        postal,
        lat,
        lon,
        weight,
    }
}

pub const TOWNS: &[Town] = &[
    town("Rīga", "LV", "LV-1050", 56.949, 24.105, 40.0),
    town("Daugavpils", "LV", "LV-5401", 55.875, 26.536, 6.0),
    town("Liepāja", "LV", "LV-3401", 56.505, 21.011, 5.0),
    town("Jelgava", "LV", "LV-3001", 56.652, 23.721, 4.0),
    town("Jūrmala", "LV", "LV-2015", 56.968, 23.770, 3.0),
    town("Ventspils", "LV", "LV-3601", 57.389, 21.564, 3.0),
    town("Rēzekne", "LV", "LV-4601", 56.510, 27.340, 2.5),
    town("Valmiera", "LV", "LV-4201", 57.541, 25.427, 2.5),
    town("Jēkabpils", "LV", "LV-5201", 56.499, 25.857, 2.0),
    town("Ogre", "LV", "LV-5001", 56.816, 24.605, 2.0),
    town("Tukums", "LV", "LV-3101", 56.967, 23.155, 1.5),
    town("Cēsis", "LV", "LV-4101", 57.312, 25.274, 1.5),
    town("Sigulda", "LV", "LV-2150", 57.154, 24.853, 1.0),
    town("Kuldīga", "LV", "LV-3301", 56.968, 21.968, 1.0),
    town("Gulbene", "LV", "LV-4401", 57.177, 26.752, 0.8),
    town("Vilnius", "LT", "LT-01100", 54.687, 25.280, 5.0),
    town("Kaunas", "LT", "LT-44280", 54.898, 23.904, 3.0),
    town("Šiauliai", "LT", "LT-76200", 55.934, 23.315, 1.5),
    town("Tallinn", "EE", "10111", 59.437, 24.754, 5.0),
    town("Tartu", "EE", "50090", 58.378, 26.729, 2.0),
    town("Pärnu", "EE", "80010", 58.385, 24.497, 1.0),
];

/// Great-circle distance in km.
pub fn distance_km(a: &Town, b: &Town) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.lat.to_radians(),
        a.lon.to_radians(),
        b.lat.to_radians(),
        b.lon.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

pub const NAME_STEMS: &[&str] = &[
    "Balt", "Dzint", "Ozol", "Liep", "Priež", "Saul", "Jūr", "Meža", "Lauk", "Upes", "Zieme",
    "Rīta", "Vēja", "Akmeņ", "Bērz", "Kalna", "Ezera", "Gaiš", "Zaļ", "Sudrab",
];

pub const NAME_ENDINGS: &[&str] = &[
    "trade",
    "logistika",
    "serviss",
    "nams",
    "produkts",
    "grupa",
    "partneri",
    "tehnika",
    "agro",
    "būve",
    "pārtika",
    "transports",
    "resurss",
    "eksports",
];

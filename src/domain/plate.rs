//! Vehicle registration plates as an inspector types them: "AB-1234",
//! "ab 1234" and "AB1234" are the same truck. Only letters and digits
//! count, compared case-insensitively (Unicode letters too: Latvian and
//! Lithuanian plates are ASCII, but a search must never panic on input).

/// The canonical form used for storage and lookup: uppercase letters and
/// digits only. Empty when the input holds neither.
pub fn normalize_plate(plate: &str) -> String {
    plate
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Cities compare the same way, but keep inner spaces ("Jelgava", "jelgava ").
pub fn normalize_city(city: &str) -> String {
    city.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_dashes_and_case_do_not_matter() {
        for typed in ["AB-1234", "ab 1234", "AB1234", " a-b 12-34 ", "Ab\t1234"] {
            assert_eq!(normalize_plate(typed), "AB1234", "{typed}");
        }
        assert_eq!(
            normalize_plate("KX–9876"),
            "KX9876",
            "an en dash is not a character of the plate"
        );
        assert_eq!(normalize_plate("---"), "");
        assert_ne!(normalize_plate("AB-1234"), normalize_plate("AB-1243"));
    }

    #[test]
    fn cities_fold_case_and_spacing() {
        assert_eq!(normalize_city("  Rīga "), "rīga");
        assert_eq!(normalize_city("Nova  Gorica"), "nova gorica");
    }
}

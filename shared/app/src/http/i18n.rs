//! Customer-facing text in English and Swahili. The language comes from `?lang=`, else from
//! the browser's `Accept-Language`; every page links to the other language.

use serde_json::{Map, Value};
use tiketi_core::domain::catalog::Allowance;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Sw,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Sw => "sw",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::En => Self::Sw,
            Self::Sw => Self::En,
        }
    }

    /// `explicit` (a `lang` parameter) wins; else the first of `en`/`sw` in Accept-Language
    /// order of preference; else English.
    pub fn choose(explicit: Option<&str>, accept_language: Option<&str>) -> Self {
        match explicit.map(str::trim) {
            Some("sw") => return Self::Sw,
            Some("en") => return Self::En,
            _ => {}
        }
        let mut ranked: Vec<(f32, Self)> = accept_language
            .unwrap_or("")
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim().to_ascii_lowercase();
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse().ok()))
                    .unwrap_or(1.0);
                let lang = match tag.split('-').next()? {
                    "sw" => Self::Sw,
                    "en" => Self::En,
                    _ => return None,
                };
                Some((quality, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map_or(Self::En, |(_, lang)| *lang)
    }

    /// The page texts, for templates as `t.<key>`.
    pub fn texts(self) -> Value {
        let column = usize::from(self == Self::Sw);
        let map: Map<String, Value> = TEXTS
            .iter()
            .map(|(key, texts)| ((*key).to_owned(), Value::from(texts[column])))
            .collect();
        Value::Object(map)
    }

    /// What a ticket buys, in this language: `1 hour` / `saa 1`, `5 GB`.
    pub fn allowance(self, allowance: Allowance) -> String {
        match (self, allowance) {
            (Self::En, a) => a.describe(),
            (Self::Sw, Allowance::Data { .. }) => allowance
                .describe()
                .split_once(' ')
                .map_or_else(|| allowance.describe(), |(n, unit)| format!("{unit} {n}")),
            (Self::Sw, Allowance::Time { seconds }) => swahili_duration(seconds),
        }
    }
}

fn swahili_duration(seconds: u64) -> String {
    if seconds.is_multiple_of(86_400) {
        format!("siku {}", seconds / 86_400)
    } else if seconds.is_multiple_of(3_600) {
        format!("saa {}", seconds / 3_600)
    } else {
        format!("dakika {}", seconds.div_ceil(60))
    }
}

/// (key, [English, Swahili])
const TEXTS: &[(&str, [&str; 2])] = &[
    ("buy_title", ["Buy WiFi access", "Nunua muda wa WiFi"]),
    ("choose_package", ["Choose a package", "Chagua kifurushi"]),
    (
        "phone_label",
        [
            "Phone number for M-Pesa / Airtel Money",
            "Nambari ya simu ya M-Pesa / Airtel Money",
        ],
    ),
    ("phone_hint", ["e.g. 0712 345 678", "mf. 0712 345 678"]),
    (
        "email_label",
        ["Email (optional)", "Barua pepe (si lazima)"],
    ),
    ("pay", ["Pay", "Lipa"]),
    (
        "pay_note",
        [
            "You will pay on Pesapal's secure page (M-Pesa, Airtel Money or card).",
            "Utalipa kwenye ukurasa salama wa Pesapal (M-Pesa, Airtel Money au kadi).",
        ],
    ),
    ("valid_for", ["valid", "inatumika"]),
    (
        "then_slower",
        [
            "when used up, keeps going at",
            "ikiisha, inaendelea kwa kasi ya",
        ],
    ),
    (
        "after_first_login",
        ["after first login", "baada ya kuingia mara ya kwanza"],
    ),
    (
        "sales_unavailable",
        [
            "Online sales are temporarily unavailable at this hotspot. Vouchers you already have keep working.",
            "Mauzo ya mtandaoni hayapatikani kwa muda katika hotspot hii. Vocha ulizonazo tayari zinaendelea kufanya kazi.",
        ],
    ),
    (
        "no_packages",
        [
            "No packages are on sale here right now.",
            "Hakuna vifurushi vinavyouzwa hapa kwa sasa.",
        ],
    ),
    (
        "waiting_title",
        ["Waiting for your payment", "Tunasubiri malipo yako"],
    ),
    (
        "waiting_text",
        [
            "Approve the payment on your phone. This page updates by itself.",
            "Thibitisha malipo kwenye simu yako. Ukurasa huu utajisasisha wenyewe.",
        ],
    ),
    ("refresh", ["Refresh", "Sasisha"]),
    ("paid_title", ["Payment received", "Malipo yamepokelewa"]),
    (
        "paid_text",
        [
            "Your voucher is being created…",
            "Vocha yako inatengenezwa…",
        ],
    ),
    ("voucher_title", ["Your WiFi voucher", "Vocha yako ya WiFi"]),
    ("username", ["Username", "Jina la mtumiaji"]),
    ("password", ["Password", "Nenosiri"]),
    ("voucher_code", ["Voucher code", "Msimbo wa vocha"]),
    (
        "save_hint",
        [
            "Write this code down: you need it to log in again.",
            "Andika msimbo huu: utauhitaji kuingia tena.",
        ],
    ),
    ("connect", ["Connect now", "Unganisha sasa"]),
    (
        "connect_manual",
        [
            "Open the hotspot login page and enter the code above.",
            "Fungua ukurasa wa kuingia wa hotspot na uweke msimbo hapo juu.",
        ],
    ),
    (
        "failed_title",
        ["Payment not completed", "Malipo hayajakamilika"],
    ),
    (
        "failed_text",
        [
            "The payment did not go through. No voucher was created. You can try again.",
            "Malipo hayakufanikiwa. Hakuna vocha iliyotengenezwa. Unaweza kujaribu tena.",
        ],
    ),
    (
        "cancelled_title",
        ["Payment cancelled", "Malipo yameghairiwa"],
    ),
    (
        "cancelled_text",
        [
            "You cancelled the payment on Pesapal's page. Nothing was charged and no voucher was made.",
            "Umeghairi malipo kwenye ukurasa wa Pesapal. Hakuna pesa iliyotozwa na hakuna vocha iliyotengenezwa.",
        ],
    ),
    ("pay_again", ["Pay now", "Lipa sasa"]),
    (
        "slow_title",
        ["Payment not confirmed yet", "Malipo bado hayajathibitishwa"],
    ),
    (
        "slow_text",
        [
            "Pesapal has not confirmed this payment yet. If you approved it on your phone, your voucher is made as soon as it is confirmed: we keep checking, and it shows on this page. Keep your order code: with your phone number it finds the voucher under Lost your voucher?",
            "Pesapal bado haijathibitisha malipo haya. Kama uliyakubali kwenye simu yako, vocha yako itatengenezwa mara yatakapothibitishwa: tunaendelea kuangalia, na itaonekana kwenye ukurasa huu. Hifadhi nambari ya oda: pamoja na nambari yako ya simu, itakusaidia kupata vocha kupitia Umepoteza vocha yako?",
        ],
    ),
    (
        "reversed_title",
        ["Payment reversed", "Malipo yamerejeshwa"],
    ),
    (
        "reversed_text",
        [
            "This payment was reversed, so its voucher is no longer valid.",
            "Malipo haya yamerejeshwa, kwa hivyo vocha yake haitumiki tena.",
        ],
    ),
    ("try_again", ["Try again", "Jaribu tena"]),
    ("order_code", ["Order code", "Msimbo wa oda"]),
    ("amount", ["Amount", "Kiasi"]),
    (
        "recover_link",
        ["Lost your voucher?", "Umepoteza vocha yako?"],
    ),
    (
        "recover_title",
        ["Get your voucher back", "Pata vocha yako tena"],
    ),
    (
        "recover_text",
        [
            "Enter the phone number you paid with and the M-Pesa confirmation code (or your order code).",
            "Weka nambari ya simu uliyolipa nayo na msimbo wa uthibitisho wa M-Pesa (au msimbo wa oda).",
        ],
    ),
    (
        "code_label",
        [
            "Confirmation code or order code",
            "Msimbo wa uthibitisho au wa oda",
        ],
    ),
    ("find", ["Find my voucher", "Tafuta vocha yangu"]),
    (
        "recover_none",
        [
            "No paid order matches that phone number and code.",
            "Hakuna oda iliyolipwa inayolingana na nambari hiyo na msimbo huo.",
        ],
    ),
    ("back", ["Back to packages", "Rudi kwenye vifurushi"]),
    ("error_title", ["Something went wrong", "Kuna tatizo"]),
    (
        "not_found",
        ["This page does not exist.", "Ukurasa huu haupo."],
    ),
    (
        "too_many",
        [
            "Too many tries from this device: wait a few minutes and try again.",
            "Majaribio mengi mno kutoka kifaa hiki: subiri dakika chache kisha ujaribu tena.",
        ],
    ),
    ("balance_title", ["Check my balance", "Angalia salio langu"]),
    (
        "balance_intro",
        [
            "Enter your voucher code to see what is left on it.",
            "Weka nambari ya vocha yako kuona kilichobaki.",
        ],
    ),
    ("balance_code", ["Voucher code", "Nambari ya vocha"]),
    ("balance_check", ["Check", "Angalia"]),
    (
        "balance_unknown",
        [
            "No voucher of this hotspot has this code. Check it and try again.",
            "Hakuna vocha ya hotspot hii yenye nambari hii. Iangalie kisha ujaribu tena.",
        ],
    ),
    ("status_unused", ["Not used yet", "Bado haijatumika"]),
    ("status_active", ["In use", "Inatumika"]),
    ("status_used_up", ["Used up", "Imekwisha"]),
    ("status_expired", ["Expired", "Muda wake umeisha"]),
    ("status_cancelled", ["Cancelled", "Imefutwa"]),
    ("time_left", ["Time left", "Muda uliobaki"]),
    ("data_left", ["Data left", "Data iliyobaki"]),
    ("ends", ["Works until", "Inafanya kazi hadi"]),
    ("use_by", ["Use by", "Tumia kabla ya"]),
    (
        "starts_on_first_login",
        [
            "Starts at your first login, then lasts",
            "Inaanza unapoingia mara ya kwanza, kisha inadumu",
        ],
    ),
    ("speed", ["Speed", "Kasi"]),
    ("devices", ["Devices at once", "Vifaa kwa wakati mmoja"]),
    (
        "cannot_log_in",
        [
            "This voucher cannot connect any more.",
            "Vocha hii haiwezi kuunganisha tena.",
        ],
    ),
    (
        "invalid_phone",
        [
            "That is not a phone number: use 07XX XXX XXX or +254 7XX XXX XXX.",
            "Hiyo si nambari ya simu: tumia 07XX XXX XXX au +254 7XX XXX XXX.",
        ],
    ),
    (
        "gateway_down",
        [
            "The payment service is not answering. Nothing was charged; please try again in a moment.",
            "Huduma ya malipo haijibu. Hakuna pesa iliyotozwa; tafadhali jaribu tena baada ya muda mfupi.",
        ],
    ),
    (
        "invalid_request",
        [
            "We could not accept this. Please check what you entered and try again.",
            "Hatukuweza kukubali hili. Tafadhali angalia ulichoandika na ujaribu tena.",
        ],
    ),
    (
        "server_error",
        [
            "We could not complete this. Please try again in a moment.",
            "Hatukuweza kukamilisha hili. Tafadhali jaribu tena baada ya muda mfupi.",
        ],
    ),
    (
        "no_payment_account",
        [
            "This hotspot cannot take payments yet. Please ask the operator.",
            "Hotspot hii bado haiwezi kupokea malipo. Tafadhali muulize mwendeshaji.",
        ],
    ),
    ("other_language", ["Kiswahili", "English"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_follows_parameter_then_browser() {
        assert_eq!(
            Lang::choose(None, Some("sw-KE,sw;q=0.9,en;q=0.8")),
            Lang::Sw
        );
        assert_eq!(
            Lang::choose(None, Some("en-US,en;q=0.9,sw;q=0.5")),
            Lang::En
        );
        assert_eq!(Lang::choose(None, Some("fr;q=1,sw;q=0.4")), Lang::Sw);
        assert_eq!(Lang::choose(Some("en"), Some("sw")), Lang::En);
        assert_eq!(Lang::choose(None, None), Lang::En);
    }

    #[test]
    fn every_text_has_both_languages() {
        for (key, [en, sw]) in TEXTS {
            assert!(!en.is_empty() && !sw.is_empty(), "{key}");
        }
    }

    #[test]
    fn allowances_in_swahili() {
        assert_eq!(
            Lang::Sw.allowance(Allowance::Time { seconds: 3600 }),
            "saa 1"
        );
        assert_eq!(
            Lang::Sw.allowance(Allowance::Time {
                seconds: 86_400 * 7
            }),
            "siku 7"
        );
        assert_eq!(
            Lang::Sw.allowance(Allowance::Data {
                bytes: 5_000_000_000
            }),
            "GB 5"
        );
    }
}
